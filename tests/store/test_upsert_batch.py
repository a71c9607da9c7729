"""upsert_many leaves the store as upserting the same records one by one would: random mixes of
new, unchanged, changed, stale and duplicate-in-batch records, on SQLite and PostgreSQL, compared
row by row (and result by result) with a store filled by upsert."""

from __future__ import annotations

import random
from contextlib import ExitStack, suppress

import pytest
from sqlalchemy import select

from hub.errors import InvalidRecordError, RetriableError
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.o2c import Customer, ExternalRef, Payment, Product, SalesOrder
from hub.store.upsert import upsert
from hub.store.upsert_batch import upsert_many
from tests.support.postgres import throwaway_database

TABLES = (Customer, Product, Payment, SalesOrder, ExternalRef)
SKIPPED = {"created_at", "updated_at"}  # when a row was written, not what


def customer(rng: random.Random) -> tuple[dict, tuple | None]:
    record = {}
    if rng.random() < 0.7:
        record["email"] = rng.choice(["a@example.com", "B@Example.com", "b@example.com", "c@example.com", "d@example.com"])
    if rng.random() < 0.3:
        record["tax_id"] = rng.choice(["DE1", "DE2"])
    if rng.random() < 0.8 or "email" not in record:  # a customer needs one of the two
        record["name"] = rng.choice(["Acme", "Beta", "Gamma"])
    if rng.random() < 0.5:
        record["credit_limit"] = rng.choice(["100", "100.00", "2500.5", "0"])
    refs = []
    if rng.random() < 0.3:
        refs.append({"system": "erp", "id": rng.randint(0, 5)})
    ref = ("crm", str(rng.randint(0, 9))) if rng.random() < 0.8 else None
    if ref and rng.random() < 0.5:
        refs.append({"system": "crm", "id": ref[1], "version": str(rng.randint(1, 4))})
    if refs:
        record["external_refs"] = refs
    return record, ref


def product(rng: random.Random) -> tuple[dict, tuple | None]:
    record = {"sku": rng.choice(["A", "B", "C"]), "name": rng.choice(["Widget", "Gadget"])}
    if rng.random() < 0.6:
        record["unit_price"], record["currency"] = rng.choice(["9.99", "10", "10.001"]), "EUR"
    # mostly one id per SKU: an id moved to another SKU that is taken fails its batch
    ref = ("shop", record["sku"] if rng.random() < 0.8 else rng.choice("ABC")) if rng.random() < 0.7 else None
    if ref and rng.random() < 0.4:
        record["external_refs"] = [{"system": "shop", "id": ref[1], "version": f"2026-12-0{rng.randint(1, 4)}T10:00:00Z"}]
    return record, ref


def payment(rng: random.Random) -> tuple[dict, tuple | None]:
    record = {"reference": rng.choice(["P1", "P2", "P3"]), "amount": rng.choice(["10.00", "10.5", "99"]),
              "currency": "EUR", "customer": {"email": rng.choice(["a@example.com", "x@example.com"])}}
    ref = ("bank", record["reference"] if rng.random() < 0.8 else rng.choice(["P1", "P2"])) if rng.random() < 0.6 else None
    return record, ref


def stream(rng: random.Random, make, count: int) -> list[tuple[dict, tuple | None]]:
    """``count`` records, a third of them repeats of earlier ones (unchanged, or a changed copy)."""
    made: list[tuple[dict, tuple | None]] = []
    for _ in range(count):
        made.append(rng.choice(made) if made and rng.random() < 0.3 else make(rng))
    return made


def table_rows(session) -> dict[str, list[dict]]:
    return {model.__tablename__: [
        {k: v for k, v in row._asdict().items() if k not in SKIPPED}
        for row in session.execute(select(model.__table__).order_by(model.__table__.c.id))
    ] for model in TABLES}


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request, tmp_path):
    """A function making two fresh, empty stores (sessionmakers) on the backend: one to fill
    record by record, one batch by batch."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            urls = [f"sqlite:///{tmp_path / 'one.db'}", f"sqlite:///{tmp_path / 'many.db'}"]
        else:
            urls = [stack.enter_context(throwaway_database("o2c_batch")) for _ in range(2)]
        engines = [make_engine(url) for url in urls]

        def fresh():
            for engine in engines:
                Base.metadata.drop_all(engine)
                Base.metadata.create_all(engine)
            return [make_sessionmaker(engine) for engine in engines]

        yield request.param, fresh
        for engine in engines:
            engine.dispose()


@pytest.mark.parametrize("entity, make", [("customer", customer), ("product", product), ("payment", payment)],
                         ids=["customer", "product", "payment"])
def test_upsert_many_leaves_the_store_as_upserts_one_by_one(two_stores, entity, make):
    backend, fresh = two_stores
    for seed in range(12 if backend == "sqlite" else 3):
        rng = random.Random(f"{entity}-{seed}")
        one, many = fresh()
        for sessions in (one, many):  # the same rows and refs before the batches
            with sessions.begin() as session:
                upsert(session, "customer", {"email": "a@example.com", "name": "Acme"}, ref=("crm", "0"))
            for record, ref in stream(random.Random(f"before-{entity}-{seed}"), make, 15):
                with sessions() as session, suppress(RetriableError):
                    upsert(session, entity, record, ref=ref)
                    session.commit()
        records = stream(rng, make, 150)
        expected, got, start = [], [], 0
        while start < len(records):
            batch = records[start:start + rng.randint(1, 40)]
            start += len(batch)
            with one() as session:
                try:  # a record taking another row's unique key fails its batch: both roll back
                    results = [upsert(session, entity, record, ref=ref) for record, ref in batch]
                    session.commit()
                except RetriableError:
                    results = None
            with many() as session:
                if results is None:
                    with suppress(RetriableError):
                        upsert_many(session, entity, batch)
                    session.rollback()
                    continue
                expected += results
                got += upsert_many(session, entity, batch)
                session.commit()
        assert got == expected, f"seed {seed}"
        with one() as left, many() as right:
            assert table_rows(right) == table_rows(left), f"seed {seed}"


def test_entities_without_a_one_column_key_are_upserted_in_turn(session):
    order = {"number": "#1", "currency": "EUR", "lines": [{"sku": "A", "quantity": 1}]}
    results = upsert_many(session, "sales_order", [(order, ("shop", "1")), ({**order, "status": "booked"}, ("shop", "1"))])
    assert [(r.created, r.changed) for r in results] == [(True, True), (False, True)]
    assert session.get(SalesOrder, results[0].id).status == "booked"


def test_an_invalid_record_raises_before_anything_is_written(session):
    with pytest.raises(InvalidRecordError):
        upsert_many(session, "customer", [({"name": "Acme"}, ("crm", "1")), ({"email": 7}, ("crm", "2"))])
    assert session.scalars(select(Customer)).all() == []
    assert session.scalars(select(ExternalRef)).all() == []


def test_rows_the_session_holds_are_read_again_after_the_batch(session):
    first = upsert(session, "customer", {"name": "Acme", "email": "a@example.com"}, ref=("crm", "1"))
    held = session.get(Customer, first.id)
    [again] = upsert_many(session, "customer", [({"name": "Acme AG", "email": "a@example.com"}, ("crm", "1"))])
    assert (again.id, again.created, again.changed) == (first.id, False, True)
    assert (held.name, held.data["name"]) == ("Acme AG", "Acme AG")
