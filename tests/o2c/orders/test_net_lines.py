"""Canonical orders as lines before tax with their rates: what every ERP connector books."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.o2c.orders.net_lines import net_lines, total_difference

US_ORDER = {  # tax added on top: state 6 % and county 2.25 % on the lines and on shipping
    "number": "US-1", "currency": "USD", "taxes_included": False,
    "lines": [
        {"sku": "A-1", "quantity": "3", "unit_price": "19.99", "discount": "6.00", "line_total": "53.97",
         "tax_lines": [{"rate": "0.06", "amount": "3.24"}, {"rate": "0.0225", "amount": "1.21"}]},
        {"sku": "A-2", "quantity": "250", "unit_price": "4.99", "discount": "12.93", "line_total": "1234.57",
         "tax_lines": [{"rate": "0.06", "amount": "74.07"}, {"rate": "0.0225", "amount": "27.78"}]},
    ],
    "shipping_lines": [{"description": "UPS Ground", "amount": "10.00",
                        "tax_lines": [{"rate": "0.06", "amount": "0.60"}, {"rate": "0.0225", "amount": "0.23"}]}],
    "totals": {"subtotal": "1288.54", "shipping_total": "10.00", "tax_total": "107.13", "total": "1405.67"},
}
EU_ORDER = {  # VAT included in every price, a zero-rated line, a discount code inside a line total
    "number": "EU-1", "currency": "EUR", "taxes_included": True,
    "lines": [
        {"sku": "B-1", "quantity": "2", "unit_price": "59.90", "line_total": "119.80",
         "tax_lines": [{"name": "VAT 19%", "rate": "0.19", "amount": "19.13"}]},
        {"sku": "B-2", "quantity": "1", "unit_price": "24.99", "discount": "2.50", "line_total": "22.49",
         "tax_lines": [{"rate": "0.19", "amount": "3.59"}, {"rate": "0", "amount": "0.00"}]},
    ],
    "shipping_lines": [{"description": "DHL", "amount": "4.90", "tax_lines": [{"rate": "0.19", "amount": "0.78"}]}],
    "totals": {"total": "147.19", "tax_total": "23.50"},
}


@pytest.mark.parametrize("order, nets, rates", [
    (US_ORDER, ["53.97", "1234.57", "10.00"], [("0.06", "0.0225")] * 3),
    (EU_ORDER, ["100.67", "18.90", "4.12"], [("0.19",)] * 3),
    ({"number": "JP-1", "currency": "JPY", "taxes_included": True,
      "lines": [{"sku": "C-1", "quantity": "3", "unit_price": "1980", "line_total": "5940",
                 "tax_lines": [{"rate": "0.1", "amount": "540"}]}],
      "shipping_lines": [{"amount": "500", "tax_lines": [{"rate": "0.1", "amount": "45"}]}]},
     ["5400", "455"], [("0.1",)] * 2),
    ({"number": "KW-1", "currency": "KWD", "lines": [{"sku": "D-1", "quantity": "7", "unit_price": "1.250",
                                                     "discount": "0.125"}],
      "totals": {"shipping_total": "1.500", "total": "10.125"}},
     ["8.625", "1.500"], [(), ()]),
], ids=["us-tax-excluded-two-rates", "eu-vat-included", "jpy-no-decimals", "kwd-legacy-shipping-total"])
def test_sale_lines_are_net_of_included_tax_with_their_rates_and_shipping_last(order, nets, rates):
    lines = net_lines(order, shipping_sku="SHIP")
    assert [line.net_amount for line in lines] == [Decimal(n) for n in nets]
    assert [line.tax_rates for line in lines] == [tuple(Decimal(r) for r in group) for group in rates]
    assert lines[-1].sku == "SHIP" and lines[-1].quantity == 1


def test_the_total_difference_is_measured_at_the_minor_unit():
    assert total_difference(US_ORDER, Decimal("1405.68")) == Decimal("-0.01")
    assert total_difference({"currency": "JPY", "totals": {"total": "6440"}}, Decimal("6441")) == Decimal("-1")
    assert total_difference({"currency": "KWD", "totals": {"total": "10.125"}}, Decimal("10.1245")) == Decimal("0.001")
    assert total_difference({"currency": "EUR"}, Decimal("3.00")) == 0


@pytest.mark.parametrize("rates, booked", [
    (["0.06", "0.01", "0.01"], ["0.06", "0.02"]),
    (["0.02", "0.01", "0.01"], ["0.04"]),
    (["0.19", "0"], ["0.19"]),
    ([], []),
], ids=["county-and-city-at-one-percent", "combined-meets-another", "zero-rate-dropped", "exempt"])
def test_taxes_of_the_same_rate_on_one_line_are_booked_as_one_tax_of_their_combined_rate(rates, booked):
    line = {"quantity": "1", "line_total": "100.00", "tax_lines": [{"rate": r, "amount": "1.00"} for r in rates]}
    net, = net_lines({"currency": "USD", "lines": [line]}, shipping_sku="SHIP")
    assert net.tax_rates == tuple(Decimal(r) for r in booked)
