"""Realistic demo dossiers in bulk, for the demo database and for benchmarks.

Rows are built in memory and written with ``bulk_create`` in batches; their derived fields come
from the same ``derive_state`` the services use, so a generated dossier is indistinguishable from
one that went through the desk. A million dossiers take minutes, not hours.
"""

import datetime
import itertools
import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from config.bulk import insert_rows, reserve_ids
from dossiers.choices import ApplicantKind, Channel, EventKind, Outcome
from dossiers.deadlines import derive_state, local_date
from dossiers.lookup import new_lookup_code
from dossiers.models import Dossier, DossierCodeCounter, DossierEvent, StateInterval
from procedures.choices import OnlineService
from procedures.models import Procedure, ProcedureVersion
from workdays.calendar import WorkCalendar, get_calendar

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Xuân", "Hoài", "Gia"]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Yến",
]
COMPANY_KINDS = ["Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV"]
COMPANY_TRADES = ["Dược phẩm", "Thiết bị y tế", "Mỹ phẩm", "Thực phẩm", "Dược liệu", "Trang thiết bị"]
COMPANY_NAMES = [
    "Hà Nội",
    "Sài Gòn",
    "Minh Long",
    "Phúc An",
    "Hưng Thịnh",
    "Việt Đức",
    "Bình Minh",
    "Trường Sơn",
    "Đông Á",
    "Hoàng Gia",
    "Thiên Phúc",
    "An Khang",
]
PROVINCES = ["Hà Nội", "TP. Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Nghệ An", "Thanh Hóa", "Bắc Ninh"]
SUPPLEMENT_NOTES = ["Thiếu bản sao chứng thực giấy phép", "Bổ sung tài liệu kỹ thuật", "Hồ sơ chưa có chữ ký số"]
REAPPOINT_REASONS = ["Chờ ý kiến thẩm định của hội đồng chuyên môn", "Cần kiểm tra thực tế tại cơ sở"]

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FORGOTTEN_WITHIN = datetime.timedelta(days=60)


@dataclass
class _Event:
    kind: str
    at: datetime.datetime
    note: str = ""
    data: dict | None = None


def _at(day: datetime.date, rng: random.Random, *, earliest=(7, 30), latest=(16, 30)) -> datetime.datetime:
    start = earliest[0] * 60 + earliest[1]
    minutes = rng.randint(start, latest[0] * 60 + latest[1])
    return datetime.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=HCM)


class _Generator:
    def __init__(self, *, start: datetime.date, end: datetime.date, seed: int, calendar: WorkCalendar):
        self.rng = random.Random(seed)
        self.calendar = calendar
        self.start, self.end = start, end
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.procedures = list(Procedure.objects.select_related("unit"))
        if not self.procedures:
            raise ValueError("There are no procedures to receive dossiers for: load the catalogue first.")
        self.versions: dict[int, list[ProcedureVersion]] = defaultdict(list)
        for version in ProcedureVersion.objects.order_by("effective_from"):
            self.versions[version.procedure_id].append(version)
        # Busy procedures get most dossiers, as in real life.
        weights = [self.rng.paretovariate(2.5) for _ in self.procedures]
        self.cumulative_weights = list(itertools.accumulate(weights))
        self.counters: dict[tuple[int, datetime.date], int] = {}
        self.prefixes = {}
        self._root_codes: dict[int, str] = {}
        for procedure in self.procedures:
            unit = procedure.unit
            root_code = self._root_code(unit)
            self.prefixes[unit.pk] = unit.code if root_code == unit.code else f"{root_code}-{unit.code}"
        self.working_days = calendar.working_days_in(start, end)

    def _root_code(self, unit) -> str:
        from units.models import Unit

        root_id = int(unit.path.strip("/").split("/")[0])
        if root_id not in self._root_codes:
            self._root_codes[root_id] = Unit.objects.values_list("code", flat=True).get(pk=root_id)
        return self._root_codes[root_id]

    def _version(self, procedure, day):
        for version in reversed(self.versions[procedure.pk]):
            if version.effective_from <= day and (version.effective_to is None or version.effective_to >= day):
                return None if version.is_abolished else version
        return None

    def _applicant(self) -> dict:
        rng = self.rng
        if rng.random() < 0.55:
            name = f"{rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_TRADES)} {rng.choice(COMPANY_NAMES)}"
            return {
                "applicant_kind": ApplicantKind.ORGANISATION,
                "applicant_name": name,
                "applicant_id_number": f"{rng.randint(100000000, 999999999):010d}",
                "applicant_phone": f"024{rng.randint(1000000, 9999999)}",
                "applicant_address": f"Số {rng.randint(1, 300)}, {rng.choice(PROVINCES)}",
            }
        name = f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"
        return {
            "applicant_kind": ApplicantKind.PERSON,
            "applicant_name": name,
            "applicant_id_number": f"0{rng.randint(10000000000, 99999999999)}",
            "applicant_phone": f"09{rng.randint(10000000, 99999999)}",
            "applicant_address": f"Số {rng.randint(1, 300)}, {rng.choice(PROVINCES)}",
        }

    def _history(self, received_at: datetime.datetime, processing_days: int) -> list[_Event]:
        """A plausible life: mostly on time, some early, a few late, supplements, apologies."""
        rng, calendar = self.rng, self.calendar
        events = [_Event(EventKind.RECEIVED, received_at)]
        counted_from = calendar.receipt_day(received_at)
        appointment = calendar.add_working_days(counted_from, processing_days)
        cursor = counted_from
        requests = 2 if rng.random() < 0.005 else 1 if rng.random() < 0.08 else 0
        for _ in range(requests):
            # Most requests come early; a few only after the appointment date, when they stop nothing.
            latest = max(1, processing_days // 2) if rng.random() < 0.9 else processing_days + 4
            request_day = max(calendar.add_working_days(counted_from, rng.randint(1, latest)), cursor)
            events.append(_Event(EventKind.SUPPLEMENT_REQUESTED, _at(request_day, rng), rng.choice(SUPPLEMENT_NOTES)))
            if rng.random() < 0.1 and self.now - received_at < FORGOTTEN_WITHIN:
                return self._until_now(events)  # the applicant has not answered yet: still awaiting
            arrival = calendar.add_working_days(request_day, rng.randint(1, 6))
            events.append(_Event(EventKind.SUPPLEMENT_RECEIVED, _at(arrival, rng)))
            if request_day <= appointment:
                appointment = calendar.add_working_days(
                    appointment, calendar.working_days_between(request_day, arrival)
                )
            cursor = arrival
        roll = rng.random()
        if roll < 0.30:
            end_day = calendar.add_working_days(appointment, -rng.randint(1, max(1, processing_days // 2)))
            end_day = max(end_day, cursor)
        elif roll < 0.93:
            end_day = max(appointment, cursor)
        else:
            end_day = calendar.add_working_days(appointment, rng.randint(1, 8))
            if rng.random() < 0.4:
                apology_day = calendar.add_working_days(appointment, -1)
                if apology_day >= cursor:
                    new_date = calendar.add_working_days(appointment, rng.randint(3, 8))
                    events.append(
                        _Event(
                            EventKind.REAPPOINTED,
                            _at(apology_day, rng, earliest=(8, 0), latest=(11, 0)),
                            rng.choice(REAPPOINT_REASONS),
                            {"new_date": new_date.isoformat(), "reason": "demo"},
                        )
                    )
        # A few dossiers of the last two months are forgotten (overdue): the lists need them, but
        # a real desk does not leave one open for years.
        if rng.random() < 0.05 and self.now - received_at < FORGOTTEN_WITHIN:
            return self._until_now(events)
        outcome = rng.choices(
            [Outcome.RESOLVED, Outcome.REFUSED, Outcome.STOPPED, Outcome.WITHDRAWN], weights=[92, 4, 2, 2]
        )[0]
        note = "" if outcome in (Outcome.RESOLVED, Outcome.WITHDRAWN) else "Không đáp ứng điều kiện theo quy định"
        events.append(_Event(EventKind.ENDED, _at(end_day, rng, earliest=(13, 0)), note, {"outcome": outcome}))
        if rng.random() < 0.85:
            return_day = calendar.add_working_days(end_day, rng.randint(1, 2))
            events.append(_Event(EventKind.RETURNED, _at(return_day, rng)))
            if rng.random() < 0.35:
                events.append(
                    _Event(
                        EventKind.RATED,
                        _at(return_day, rng, earliest=(16, 35), latest=(17, 30)),
                        "",
                        {"satisfied": rng.random() < 0.93},
                    )
                )
        return self._until_now(events)

    def _until_now(self, events: list[_Event]) -> list[_Event]:
        """Events in order, each after the previous one, and only those that happened by now."""
        kept = []
        for event in events:
            if kept and event.at <= kept[-1].at:
                event.at = kept[-1].at + datetime.timedelta(minutes=self.rng.randint(5, 90))
            if event.at > self.now:
                break
            kept.append(event)
        return kept

    def _code(self, unit_id: int, received_on: datetime.date) -> str:
        key = (unit_id, received_on)
        number = self.counters.get(key, 0) + 1
        self.counters[key] = number
        return f"{self.prefixes[unit_id]}-{received_on:%y%m%d}-{number:04d}"

    def batch(
        self, size: int, first: datetime.date, last: datetime.date
    ) -> tuple[list[dict], list[tuple[list[_Event], list]]]:
        """``size`` dossiers received from ``first`` to ``last``, in the order they were received."""
        rng = self.rng
        working_days = [day for day in self.working_days if first <= day <= last] or self.working_days
        dossiers, histories = [], []
        attempts = 0
        while len(dossiers) < size:
            attempts += 1
            if attempts > 100 * size + 1000:
                raise ValueError(f"No procedure is in force from {first} to {last}: nothing to generate.")
            procedure = rng.choices(self.procedures, cum_weights=self.cumulative_weights)[0]
            online = procedure.online_service != OnlineService.NONE and rng.random() < 0.6
            # Online submissions arrive on any day and hour; the desk works on working days.
            if online:
                day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
                received_at = _at(day, rng, earliest=(0, 0), latest=(23, 59))
            else:
                received_at = _at(rng.choice(working_days), rng)
            if received_at > self.now:
                continue
            received_on = received_at.date()
            version = self._version(procedure, received_on)
            if version is None:
                continue
            events = self._history(received_at, version.processing_days)
            # ``record``: the events carry the dates they fixed, as those written by the services do.
            state = derive_state(events, processing_days=version.processing_days, calendar=self.calendar, record=True)
            paid_online = online and procedure.has_fee and rng.random() < 0.7
            dossiers.append(
                dict(
                    # From ``secrets``, not the seeded generator: a key must not be reproducible.
                    lookup_code=new_lookup_code(),
                    procedure_id=procedure.pk,
                    procedure_version_id=version.pk,
                    unit_id=procedure.unit_id,
                    field_id=procedure.field_id,
                    channel=Channel.ONLINE
                    if online
                    else (Channel.POSTAL if rng.random() < 0.12 else Channel.IN_PERSON),
                    received_at=received_at,
                    received_on=received_on,
                    processing_days=version.processing_days,
                    fee_amount=rng.choice([0, 500000, 1000000, 1500000, 3000000]) if procedure.has_fee else 0,
                    fee_paid_online=paid_online,
                    result_electronic=online and rng.random() < 0.5,
                    documents_digitised=rng.random() < 0.6,
                    applicant_email="",  # COPY applies no Django defaults: every column is given
                    **self._applicant(),
                    **state.stored_values(),
                )
            )
            histories.append((events, state.intervals))
        # Rows go in as a desk receives them, in time order, with running numbers in that order:
        # a real table is laid out roughly by date, which is what its date indexes rely on.
        order = sorted(range(len(dossiers)), key=lambda index: dossiers[index]["received_at"])
        dossiers = [dossiers[index] for index in order]
        histories = [histories[index] for index in order]
        for row in dossiers:
            row["code"] = self._code(row["unit_id"], row["received_on"])
        return dossiers, histories


def generate_dossiers(
    *,
    count: int,
    start: datetime.date,
    end: datetime.date | None = None,
    seed: int = 2026,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Create ``count`` demo dossiers received from ``start`` to ``end`` (default today).

    Codes continue the running numbers already used, and the counters are moved past the last
    generated number, so dossiers received afterwards at the desk never collide. On PostgreSQL
    rows go in with COPY (``config.bulk``); elsewhere with ``bulk_create``.
    """
    end = end or timezone.localdate()
    generator = _Generator(start=start, end=end, seed=seed, calendar=get_calendar())
    generator.counters = {
        (unit_id, day): number
        for unit_id, day, number in DossierCodeCounter.objects.filter(day__gte=start, day__lte=end).values_list(
            "unit_id", "day", "last_number"
        )
    }
    used_before = dict(generator.counters)
    # One batch per slice of the range, oldest first, so rows are stored in the order of receipt.
    batches = max(1, -(-count // batch_size))
    days = (end - start).days + 1
    created = 0
    for number in range(batches):
        first = start + datetime.timedelta(days=days * number // batches)
        last = max(first, start + datetime.timedelta(days=days * (number + 1) // batches - 1))
        size = count * (number + 1) // batches - count * number // batches
        dossiers, histories = generator.batch(size, first, last)
        with transaction.atomic():
            _write(dossiers, histories, now=generator.now)
        created += len(dossiers)
        if progress:
            progress(len(dossiers))
    _save_counters(generator.counters, used_before)
    return created


EVENT_COLUMNS = ("dossier", "sequence", "kind", "at", "on", "note", "data", "recorded_at")
INTERVAL_COLUMNS = ("dossier", "unit", "procedure", "field", "starts_on", "ends_on", "due", "overdue_from")


def _write(dossiers: list[dict], histories: list[tuple[list[_Event], list]], *, now) -> None:
    ids = reserve_ids(Dossier, len(dossiers))
    if ids is None:  # no sequence to draw from: let the database number them
        ids = [dossier.pk for dossier in Dossier.objects.bulk_create([Dossier(**row) for row in dossiers])]
    else:
        columns = ("id", *dossiers[0], "created_at", "updated_at")
        insert_rows(Dossier, columns, ((pk, *row.values(), now, now) for pk, row in zip(ids, dossiers, strict=True)))
    # COPY takes the JSON as text; bulk_create wants the dict.
    as_json = json.dumps if connection.vendor == "postgresql" else (lambda data: data)
    insert_rows(
        DossierEvent,
        EVENT_COLUMNS,
        (
            (
                dossier_id,
                sequence,
                event.kind,
                event.at,
                local_date(event.at),
                event.note,
                as_json(event.data or {}),
                now,
            )
            for dossier_id, (events, _intervals) in zip(ids, histories, strict=True)
            for sequence, event in enumerate(events, start=1)
        ),
    )
    insert_rows(
        StateInterval,
        INTERVAL_COLUMNS,
        (
            (
                dossier_id,
                row["unit_id"],
                row["procedure_id"],
                row["field_id"],
                interval.starts_on,
                interval.ends_on,
                interval.due,
                interval.overdue_from,
            )
            for dossier_id, row, (_events, intervals) in zip(ids, dossiers, histories, strict=True)
            for interval in intervals
        ),
    )


def _save_counters(counters: dict, used_before: dict) -> None:
    """Move each (unit, day) counter to the last generated number, in one upsert."""
    changed = [
        DossierCodeCounter(unit_id=unit_id, day=day, last_number=number)
        for (unit_id, day), number in counters.items()
        if used_before.get((unit_id, day)) != number
    ]
    DossierCodeCounter.objects.bulk_create(
        changed, batch_size=5000, update_conflicts=True, unique_fields=["unit", "day"], update_fields=["last_number"]
    )
