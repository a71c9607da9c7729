"""A local Odoo stand-in speaking ``/jsonrpc`` (execute_kw) and ``/json/2/<model>/<method>``.

In-memory records of res.partner, product.product, sale.order (+ order_line), account.move,
account.payment and the account.payment.register wizard: enough for the odoo connector's actions.
Floats go out as JSON floats, as Odoo sends them.

    POST /_sandbox/faults   [503, {"status": 200, "body": {...}}]  canned answers first
    POST /_sandbox/reset                                        forget records and faults
    POST /_sandbox/invoices {partner_id, amount_total, ...}       add a draft customer invoice
    GET  /_sandbox/records/<model>                              what is stored

Run it: ``python -m connectors.odoo.sandbox --port 9269 --key secret``.
"""

from __future__ import annotations

import argparse
import itertools
import threading
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, canned_response, run_forever, sandbox_app
from hub import jsonutil

OPERATORS = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, "in": lambda a, b: a in b,
             ">=": lambda a, b: a is not None and a >= b, ">": lambda a, b: a is not None and a > b,
             "<=": lambda a, b: a is not None and a <= b, "<": lambda a, b: a is not None and a < b}


class OdooError(Exception):
    """An Odoo business error: its ``name`` is what clients see in error.data.name."""

    def __init__(self, message: str, name: str = "odoo.exceptions.UserError"):
        super().__init__(message)
        self.name = name


class OdooStore:
    """The records, by model; one lock guards them."""

    def __init__(self, *, database: str, login: str, key: str):
        self.database, self.login, self.key = database, login, key
        self.lock = threading.Lock()
        self.models: dict[str, dict[int, dict[str, Any]]] = {}
        self.ids = itertools.count(1)
        self.faults = FaultScript()

    def reset(self) -> None:
        """Forget every record (ids start again at 1) and the scripted faults."""
        with self.lock:
            self.models = {}
            self.ids = itertools.count(1)
        self.faults.replace([])

    def now(self) -> str:
        return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")

    def table(self, model: str) -> dict[int, dict[str, Any]]:
        return self.models.setdefault(model, {})

    def execute(self, model: str, method: str, args: list, kwargs: dict) -> Any:
        with self.lock:
            handler = getattr(self, f"m_{method}", None)
            if handler is None:
                raise OdooError(f"method {method} is not supported by the sandbox", "builtins.AttributeError")
            return handler(model, *args, **kwargs)

    def m_search_read(self, model, domain=(), fields=None, limit=None, order=None, offset=0, context=None):
        rows = [r for r in self.table(model).values() if _matches(r, domain)]
        rows.sort(key=lambda r: (r.get("write_date") or "", r["id"]))
        rows = rows[offset: offset + limit if limit else None]
        return [{k: v for k, v in r.items() if not fields or k in fields or k == "id"} for r in rows]

    def m_search(self, model, domain=(), limit=None, order=None, context=None):
        return [r["id"] for r in self.m_search_read(model, domain, ["id"], limit)]

    def m_read(self, model, ids, fields=None, context=None):
        return [{k: v for k, v in self.table(model)[i].items() if not fields or k in fields or k == "id"} for i in ids]

    def m_create(self, model, vals_list, context=None):
        return [self.insert(model, dict(values), context or {}) for values in vals_list]

    def m_write(self, model, ids, vals, context=None):
        for i in ids:
            self.table(model)[i].update(vals, write_date=self.now())
        return True

    def insert(self, model: str, values: dict[str, Any], context: dict[str, Any]) -> int:
        lines = values.pop("order_line", [])
        record = {"id": next(self.ids), **values, "write_date": self.now(), "_context": context}
        if model == "sale.order":
            record.update(name=f"S{record['id']:05d}", state="draft",
                          order_line=[self.insert("sale.order.line", dict(cmd[2]), {}) for cmd in lines])
        if model == "res.partner" and not record.get("name"):
            raise OdooError("The partner name is required", "odoo.exceptions.ValidationError")
        self.table(model)[record["id"]] = record
        return record["id"]

    def m_action_confirm(self, model, ids, context=None):
        for i in ids:
            self.table(model)[i].update(state="sale", write_date=self.now())
        return True

    def m_action_post(self, model, ids, context=None):
        for i in ids:
            move = self.table(model)[i]
            if move["state"] != "draft":
                raise OdooError("Only draft journal entries can be posted.")
            move.update(state="posted", name=f"INV/2024/{i:05d}", payment_state="not_paid", write_date=self.now())
        return True

    def m_action_create_payments(self, model, ids, context=None):
        wizard = self.table(model)[ids[0]]
        for move_id in wizard["_context"].get("active_ids", []):
            move = self.table("account.move")[move_id]
            residual = round(float(move["amount_residual"]) - float(wizard["amount"]), 2)
            move.update(amount_residual=residual, payment_state="paid" if residual <= 0 else "partial", write_date=self.now())
            self.insert("account.payment", {"amount": wizard["amount"], "memo": wizard.get("communication"),
                                            "ref": wizard.get("communication"), "state": "paid",
                                            "partner_id": move["partner_id"]}, {})
        return {"type": "ir.actions.act_window_close"}

    def add_invoice(self, values: dict[str, Any]) -> int:
        """A draft customer invoice (the sandbox's stand-in for invoicing a sale order)."""
        total = float(values.get("amount_total", 0))
        defaults = {"move_type": "out_invoice", "state": "draft", "name": "/", "payment_state": "not_paid",
                    "currency_id": [1, values.pop("currency", "EUR")], "amount_untaxed": total,
                    "amount_tax": 0.0, "amount_total": total, "amount_residual": total}
        with self.lock:
            return self.insert("account.move", {**defaults, **values}, {})


def _matches(record: dict[str, Any], domain: Any) -> bool:
    """Every (field, operator, value) leaf holds (the sandbox knows only implicit AND)."""
    return all(OPERATORS[op](_plain(record.get(field)), value) for field, op, value in domain)


def _plain(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) else value


def create_app(*, database: str = "sandbox", login: str = "hub", key: str = "sandbox-key") -> Flask:
    """The sandbox as a Flask app; its store is ``app.extensions["sandbox"]``."""
    store = OdooStore(database=database, login=login, key=key)
    app = sandbox_app(__name__, store)
    add_fault_gate(app, store)  # both APIs check credentials per call, in Odoo's own error shapes

    @app.post("/jsonrpc")
    def jsonrpc() -> Response:
        params = jsonutil.loads(request.get_data())["params"]
        return _rpc_answer(lambda: _dispatch_rpc(store, params))

    @app.post("/json/2/<model>/<method>")
    def json2(model: str, method: str) -> Response:
        if request.headers.get("Authorization", "").lower() != f"bearer {store.key}":
            return canned_response(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
        if request.headers.get("X-Odoo-Database") != store.database:
            return canned_response(404, {"name": "werkzeug.exceptions.NotFound", "message": "unknown database"})
        body = jsonutil.loads(request.get_data() or b"{}")
        args = [body.pop("ids")] if "ids" in body else []
        try:
            return _json(store.execute(model, method, args, body))
        except OdooError as error:
            return canned_response(422, {"name": error.name, "message": str(error), "arguments": [str(error)]})

    @app.post("/_sandbox/invoices")
    def add_invoice() -> Response:
        return _json({"id": store.add_invoice(jsonutil.loads(request.get_data()))})

    @app.get("/_sandbox/records/<model>")
    def records(model: str) -> Response:
        with store.lock:
            return _json(list(store.table(model).values()))

    return app


def _dispatch_rpc(store: OdooStore, params: dict[str, Any]) -> Any:
    service, method, args = params["service"], params["method"], params["args"]
    if service == "common" and method == "login":
        return 2 if args == [store.database, store.login, store.key] else False
    db, uid, key, model, model_method, positional, named = args
    if (db, uid, key) != (store.database, 2, store.key):
        raise OdooError("Access Denied", "odoo.exceptions.AccessDenied")
    return store.execute(model, model_method, positional, named)


def _rpc_answer(call) -> Response:
    try:
        return _json({"jsonrpc": "2.0", "id": 1, "result": call()})
    except OdooError as error:
        data = {"name": error.name, "message": str(error), "arguments": [str(error)]}
        return _json({"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error", "data": data}})


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(_floats(value)), status=status, mimetype="application/json")


def _floats(value: Any) -> Any:
    """Decimals as floats on the way out: Odoo's JSON carries floats."""
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items() if k != "_context"}
    if isinstance(value, list):
        return [_floats(v) for v in value]
    return float(value) if type(value).__name__ == "Decimal" else value


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.odoo.sandbox --port 9269``."""
    parser = argparse.ArgumentParser(description="o2c-hub Odoo sandbox (jsonrpc and json2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9269)
    parser.add_argument("--key", default="sandbox-key")
    args = parser.parse_args(argv)
    run_forever(create_app(key=args.key), args.host, args.port)


if __name__ == "__main__":
    main()
