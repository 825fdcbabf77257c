"""Annual emulation scores of units and leaders (built by the emulation issue)."""
