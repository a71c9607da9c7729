"""Five storefront orders as varied as real ones, in canonical form, for the ERP amount checks:
taxes included and excluded, several rates on one line, shipping with its tax, discounts that
do not divide evenly, large quantities, JPY (no decimals), KWD (three) and a tax-exempt
customer. Every figure is what the storefront computed; an ERP must book each total exactly.
"""

from __future__ import annotations

CUSTOMER = {"name": "Erin Amounts", "email": "erin@amounts.example"}


def order(number, currency, lines, *, included, shipping=(), total, tax_total):
    return {"number": number, "currency": currency, "taxes_included": included, "customer": CUSTOMER,
            "lines": [{"line_number": i, **line} for i, line in enumerate(lines, 1)],
            "shipping_lines": list(shipping), "totals": {"total": total, "tax_total": tax_total}}


def tax(rate, amount):
    return {"rate": rate, "amount": amount}


ORDERS = [
    order("AMT-US", "USD", [
        {"sku": "AMT-A1", "quantity": "3", "unit_price": "19.99", "discount": "6.00", "line_total": "53.97",
         "tax_lines": [tax("0.06", "3.24"), tax("0.0225", "1.21")]},
        {"sku": "AMT-A2", "quantity": "250", "unit_price": "4.99", "discount": "12.93", "line_total": "1234.57",
         "tax_lines": [tax("0.06", "74.07"), tax("0.0225", "27.78")]},
    ], included=False, shipping=[{"description": "UPS Ground", "amount": "10.00",
                                  "tax_lines": [tax("0.06", "0.60"), tax("0.0225", "0.23")]}],
        total="1405.67", tax_total="107.13"),
    order("AMT-EU", "EUR", [
        {"sku": "AMT-B1", "quantity": "2", "unit_price": "59.90", "line_total": "119.80",
         "tax_lines": [tax("0.19", "19.13")]},
        {"sku": "AMT-B2", "quantity": "1", "unit_price": "24.99", "discount": "2.50", "line_total": "22.49",
         "tax_lines": [tax("0.19", "3.59")]},
        {"sku": "AMT-B3", "quantity": "4", "unit_price": "3.49", "line_total": "13.96",
         "tax_lines": [tax("0.07", "0.91")]},
    ], included=True, shipping=[{"description": "DHL", "amount": "4.90", "tax_lines": [tax("0.19", "0.78")]}],
        total="161.15", tax_total="24.41"),
    order("AMT-JP", "JPY", [
        {"sku": "AMT-C1", "quantity": "3", "unit_price": "1980", "line_total": "5940", "tax_lines": [tax("0.1", "540")]},
    ], included=True, shipping=[{"description": "Yamato", "amount": "500", "tax_lines": [tax("0.1", "45")]}],
        total="6440", tax_total="585"),
    order("AMT-KW", "KWD", [  # a tax-exempt customer: no tax lines at all
        {"sku": "AMT-D1", "quantity": "7", "unit_price": "1.250", "discount": "0.125", "line_total": "8.625"},
    ], included=False, shipping=[{"description": "Aramex", "amount": "1.500"}], total="10.125", tax_total="0.000"),
    order("AMT-B2B", "EUR", [  # EU B2B, tax on top, a discount that does not divide evenly
        {"sku": "AMT-E1", "quantity": "7", "unit_price": "13.33", "discount": "10.00", "line_total": "83.31",
         "tax_lines": [tax("0.19", "15.83")]},
        {"sku": "AMT-E2", "quantity": "1.5", "unit": "hour", "unit_price": "80.00", "line_total": "120.00",
         "tax_lines": [tax("0.19", "22.80")]},
    ], included=False, total="241.94", tax_total="38.63"),
]
