"""Invalid recipes and the exact issues they produce (file:line:col: path: message)."""

from __future__ import annotations

import pytest

from hub.errors import ConfigError
from hub.recipe.load import parse_recipe
from tests.recipe.conftest import ENTITIES

# A recipe head every case below shares; its steps start on line 5.
HEAD = """\
recipe: r
trigger:
  manual: {}
steps:
"""

CASES = [
    pytest.param(
        """\
recipe: r
trigger: {manual: {}
steps: []
""",
        [
            "r.yaml:3:1: /: invalid YAML: expected ',' or '}', but got '<scalar>' (while parsing a flow mapping)",
        ],
        id="yaml_syntax",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: event.ok
recipe: again
""",
        [
            "r.yaml:7:1: recipe: duplicate key 'recipe' (first on line 1)",
        ],
        id="duplicate_key",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: !!python/name:os.system x
""",
        [
            "r.yaml:6:13: steps/0/filter: the YAML tag '!!python/name:os.system' is not allowed",
        ],
        id="python_tag",
    ),
    pytest.param(
        """\
recipe: r
steps:
  - id: a
    filter: event.ok
""",
        [
            "r.yaml:1:1: /: missing required key 'trigger'",
        ],
        id="missing_required",
    ),
    pytest.param(
        """\
recipe: Order Import
trigger: {manual: {}}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:1:9: recipe: 'Order Import' is not a valid recipe name: use lower-case letters, digits, - and _, starting with a letter or digit",
        ],
        id="bad_slug",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
retries: 3
""",
        [
            "r.yaml:6:1: retries: unknown key 'retries' (allowed: recipe, description, trigger, tables, steps, retry, on_failure, on_hold, retention)",
        ],
        id="unknown_top_key",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
retention: {step_data: a week, audit: 30d}
""",
        [
            "r.yaml:6:24: retention/step_data: 'a week' is not a retention: write a whole number above zero followed by s, m, h or d (at most 99999d, e.g. 30d), or never",
            "r.yaml:6:32: retention/audit: unknown key 'audit' (allowed: event_bodies, step_data, finished_runs)",
        ],
        id="bad_retention",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    mapp: event
""",
        [
            "r.yaml:6:5: steps/0/mapp: unknown key 'mapp' (expected one of: map, validate, filter, upsert, lookup, query, call, notify, for_each, credit_check, reconcile, cash_apply, cash_post, dunning)",
        ],
        id="unknown_step_kind",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    map: event
    filter: event.ok
""",
        [
            'r.yaml:5:5: steps/0: use only one of map, filter here (they cannot be combined)',
        ],
        id="two_step_kinds",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: [event.ok]
""",
        [
            'r.yaml:6:13: steps/0/filter: must be a string, not a list',
        ],
        id="wrong_type",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    map: 5
""",
        [
            'r.yaml:6:10: steps/0/map: must be a string or a mapping, not a number',
        ],
        id="map_wrong_type",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    call: {connection: erp}
""",
        [
            "r.yaml:6:11: steps/0/call: missing required key 'action'",
        ],
        id="missing_step_key",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    map: {expr: name, int: sales_order}
""",
        [
            "r.yaml:6:23: steps/0/map/int: unknown key 'int' (allowed: expr, into, from, using)",
        ],
        id="unknown_key_in_map",
    ),
    pytest.param(
        """\
recipe: r
trigger: {manual: {}}
steps: []
""",
        [
            'r.yaml:3:8: steps: must not be empty',
        ],
        id="empty_steps",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  manual: {}
  webhook: {connection: shop}
steps:
  - {id: a, filter: event.ok}
""",
        [
            'r.yaml:3:3: trigger: use only one of webhook, manual here (they cannot be combined)',
        ],
        id="two_triggers",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  cron: '* * * * *'
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:3: trigger/cron: unknown key 'cron' (expected one of: webhook, poll, schedule, manual)",
        ],
        id="unknown_trigger",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: accounts, every: 5 minutes}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:54: trigger/poll/every: '5 minutes' is not a duration: write a whole number followed by ms, s, m, h or d (e.g. 30s, 5m, 1h)",
        ],
        id="bad_duration",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
retry: {backoff: linear, max_attempts: 0}
""",
        [
            "r.yaml:6:18: retry/backoff: must be one of: exponential, fixed (not 'linear')",
            'r.yaml:6:40: retry/max_attempts: must be at least 1, not 0',
        ],
        id="bad_backoff",
    ),
    pytest.param(
        HEAD + """\
  - id: Order
    filter: event.ok
""",
        [
            "r.yaml:5:9: steps/0/id: 'Order' is not a valid step id: use lower-case letters, digits and _, starting with a letter or _",
        ],
        id="bad_step_id",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
on_failure:
  - map: event
""",
        [
            "r.yaml:7:5: on_failure/0/map: unknown key 'map' (expected one of: notify, call)",
        ],
        id="on_failure_map",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    call: {connection: ERP, action: create_order}
""",
        [
            "r.yaml:6:24: steps/0/call/connection: unknown connection 'ERP' (known: crm, erp, shop, slack)",
        ],
        id="unknown_connection",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    call: {connection: erp, action: create_ordr}
""",
        [
            "r.yaml:6:37: steps/0/call/action: unknown action 'create_ordr' on connection 'erp' (known: cancel_order, create_order)",
        ],
        id="unknown_action",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: acounts, every: 5m}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:37: trigger/poll/resource: connection 'crm' has no resource 'acounts' (known: accounts, contacts)",
        ],
        id="unknown_resource",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: accounts, every: 5m, start: yesterday}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:65: trigger/poll/start: 'yesterday' is not a poll start: write now, a date (2026-12-01) or a date-time with its time zone (2026-12-01T08:00:00+01:00)",
        ],
        id="poll_start_word",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: accounts, every: 5m, start: 2026-13-01}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:65: trigger/poll/start: '2026-13-01' is not a date: month must be in 1..12",
        ],
        id="poll_start_month",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: accounts, every: 5m, start: "2026-12-01T08:00"}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:65: trigger/poll/start: '2026-12-01T08:00' needs a time zone, e.g. 2026-12-01T08:00:00Z or 2026-12-01T08:00:00+01:00",
        ],
        id="poll_start_no_zone",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll:
    connection: crm
    resource: accounts
    every: 5m
    start: 2026-12-01T25:00:00Z
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:7:12: trigger/poll/start: '2026-12-01T25:00:00Z' is not an ISO 8601 date-time (hour must be in 0..23): write e.g. 2026-12-01T08:00:00+01:00",
        ],
        id="poll_start_hour",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  poll: {connection: crm, resource: accounts, every: 5m, start: 1}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:65: trigger/poll/start: must be a string, not a number",
        ],
        id="poll_start_number",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  webhook: {connection: crm}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:25: trigger/webhook/connection: connection 'crm' does not receive webhooks",
        ],
        id="no_webhooks",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  webhook: {connection: shop, topic: []}
steps:
  - {id: a, filter: event.ok}
""",
        ["r.yaml:3:38: trigger/webhook/topic: must not be empty"],
        id="webhook_no_topics",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    notify: {connection: erp, text: hello}
""",
        [
            "r.yaml:6:26: steps/0/notify/connection: connection 'erp' cannot send notices (it has no notify action)",
        ],
        id="notify_without_notify",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: event.ok ==
""",
        [
            'r.yaml:6:24: steps/0/filter: invalid JMESPath expression: the expression ends too early',
        ],
        id="jmespath_plain",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: "event.ok ~ 1"
""",
        [
            'r.yaml:6:23: steps/0/filter: invalid JMESPath expression: Unknown token ~',
        ],
        id="jmespath_quoted",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: >-
      event.ok ==
""",
        [
            'r.yaml:6:13: steps/0/filter: invalid JMESPath expression: the expression ends too early',
        ],
        id="jmespath_block",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: "sumdecimal(event.lines) > `0`"
""",
        [
            'r.yaml:6:14: steps/0/filter: unknown function sumdecimal() (did you mean sum_decimal?)',
        ],
        id="unknown_function",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  schedule: {cron: '0 8 * *'}
steps:
  - {id: a, filter: event.ok}
""",
        [
            'r.yaml:3:20: trigger/schedule/cron: invalid cron expression: Wrong number of fields; got 4, expected 5',
        ],
        id="bad_cron",
    ),
    pytest.param(
        """\
recipe: r
trigger:
  schedule: {cron: '0 8 * * 1-5', timezone: Europe/Berln}
steps:
  - {id: a, filter: event.ok}
""",
        [
            "r.yaml:3:45: trigger/schedule/timezone: unknown time zone 'Europe/Berln' (e.g. UTC, Europe/Berlin)",
        ],
        id="bad_timezone",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: event.ok
  - id: a
    filter: event.ok
""",
        [
            "r.yaml:7:9: steps/1/id: duplicate step id 'a' (first defined on line 5)",
        ],
        id="duplicate_step_id",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: event.ok
  - id: each
    for_each:
      in: event.lines
      steps:
        - {id: a, filter: item.ok}
""",
        [
            "r.yaml:11:16: steps/1/for_each/steps/0/id: duplicate step id 'a' (first defined on line 5)",
        ],
        id="duplicate_nested_id",
    ),
    pytest.param(
        HEAD + """\
  - id: event
    filter: event.ok
""",
        [
            "r.yaml:5:9: steps/0/id: 'event' cannot be a step id: it is a built-in name (event, trigger, run, tables)",
        ],
        id="reserved_step_id",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: ordr.ok
""",
        [
            "r.yaml:6:13: steps/0/filter: unknown name 'ordr' (known here: event, trigger, run, tables)",
        ],
        id="undefined_name",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: b.ok
  - id: b
    filter: event.ok
""",
        [
            "r.yaml:6:13: steps/0/filter: step 'b' is not available here: only steps before this one can be used",
        ],
        id="later_step",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: "length(event.lines[?qty > `0`]) > `0` && missing"
""",
        [
            "r.yaml:6:55: steps/0/filter: unknown name 'missing' (known here: event, trigger, run, tables)",
        ],
        id="relative_names_ok_but_root_bad",
    ),
    pytest.param(
        HEAD + """\
  - id: each
    for_each:
      in: event.lines
      as: line
      steps:
        - {id: b, filter: line.ok}
  - id: c
    filter: line.ok
""",
        [
            "r.yaml:12:13: steps/1/filter: unknown name 'line' (known here: event, trigger, run, tables, each)",
        ],
        id="for_each_scope",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    notify: {connection: slack, text: "Order {{ event.number "}
""",
        [
            "r.yaml:6:40: steps/0/notify/text: invalid template (line 1): unexpected end of template, expected 'end of print statement'.",
        ],
        id="jinja_syntax",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    notify:
      connection: slack
      text: |
        Order {{ event.number }}
        {% if %}
""",
        [
            "r.yaml:10:9: steps/0/notify/text: invalid template (line 2): Expected an expression, got 'end of statement block'",
        ],
        id="jinja_block_syntax",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    notify: {connection: slack, text: "Order {{ order.number }} booked"}
""",
        [
            "r.yaml:6:49: steps/0/notify/text: unknown name 'order' (known here: event, trigger, run, tables)",
        ],
        id="jinja_undefined",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    map: {expr: name, into: salesorder}
""",
        [
            "r.yaml:6:29: steps/0/map/into: unknown entity 'salesorder' (known: customer, external_ref, fulfillment, invoice, payment, payment_application, product, sales_order)",
        ],
        id="unknown_entity",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
on_failure:
  - notify: {connection: slack, text: '{{ run.error }} {{ a }} {{ nope }}'}
""",
        [
            "r.yaml:7:67: on_failure/0/notify/text: unknown name 'nope' (known here: event, trigger, run, tables, a)",
        ],
        id="on_failure_names",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    filter: "!event.test"
""",
        [
            "r.yaml:6:14: steps/0/filter: '!' applies only to the first name here (JMESPath reads "
            "!a.b as (!a).b): write !(a.b) or a.b != `true`",
        ],
        id="negation_of_a_path",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    map: {using: shop.orders, into: sales_order}
  - id: b
    map: {using: nowhere.order}
""",
        [
            "r.yaml:6:18: steps/0/map/using: unknown mapping 'orders' on connection 'shop' (known: customer, order)",
            "r.yaml:8:18: steps/1/map/using: unknown connection 'nowhere' (known: crm, erp, shop, slack)",
        ],
        id="unknown_connector_mapping",
    ),
    pytest.param(
        HEAD + """\
  - id: a
    query: {entity: sales_order, where: {state: open}, overdue: true}
""",
        [
            "r.yaml:6:49: steps/0/query/where/state: sales_order has no column 'state' (columns: "
            "number, currency, order_date, status, subtotal, discount_total, shipping_total, "
            "tax_total, total, created_at, updated_at)",
            "r.yaml:6:65: steps/0/query/overdue: overdue applies to invoices only",
        ],
        id="query_columns",
    ),
    pytest.param(
        HEAD + """\
  - id: credit
    credit_check:
      order: order
      policy: {tolerance: five, max_overdue_days: -1, new_customer_cap: 1000}
""",
        [
            "r.yaml:8:27: steps/0/credit_check/policy/tolerance: 'five' is not a percentage: write a number followed by % (e.g. 5%, 12.5%)",
            "r.yaml:8:51: steps/0/credit_check/policy/max_overdue_days: must be at least 0, not -1",
            "r.yaml:8:73: steps/0/credit_check/policy/new_customer_cap: must be a string, not a number",
        ],
        id="credit_check_policy_shape",
    ),
    pytest.param(
        HEAD + """\
  - id: credit
    credit_check:
      order: ordr
      policy: {max_overdue_share: "120%", prepaid: "paid("}
""",
        [
            "r.yaml:7:14: steps/0/credit_check/order: unknown name 'ordr' (known here: event, trigger, run, tables)",
            "r.yaml:8:35: steps/0/credit_check/policy/max_overdue_share: 120% is more than 100%: a share is at most 100%",
            "r.yaml:8:58: steps/0/credit_check/policy/prepaid: invalid JMESPath expression: the expression ends too early",
        ],
        id="credit_check_policy_meaning",
    ),
    pytest.param(
        HEAD + """\
  - {id: a, filter: event.ok}
on_hold:
  - notify: {connection: slack, text: "held"}
""",
        [
            "r.yaml:7:3: on_hold: on_hold handlers never run: no step of this recipe can hold a run (add a credit_check step)",
        ],
        id="on_hold_without_credit_check",
    ),
    pytest.param(
        HEAD + """\
  - id: diff
    reconcile: {left: shop_orders, right: event.erp, key: "number(", compare: [total]}
""",
        [
            "r.yaml:6:23: steps/0/reconcile/left: unknown name 'shop_orders' (known here: event, trigger, run, tables)",
            "r.yaml:6:67: steps/0/reconcile/key: invalid JMESPath expression: the expression ends too early",
        ],
        id="reconcile_names_and_key",
    ),
    pytest.param(
        HEAD + """\
  - id: diff
    reconcile: {left: event.a, right: event.b, key: number, tolerance: "1c"}
""",
        [
            'r.yaml:6:72: steps/0/reconcile/tolerance: \'1c\' is not an amount: write digits with an optional decimal point, in quotes (e.g. "1000.00")',
        ],
        id="reconcile_tolerance",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_invalid_recipe_reports_exact_issues(text, expected, connections):
    with pytest.raises(ConfigError) as caught:
        parse_recipe(text, "r.yaml", connections=connections, entities=ENTITIES)
    assert [str(issue) for issue in caught.value.issues] == expected
