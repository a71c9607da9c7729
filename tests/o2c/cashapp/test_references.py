"""Invoice references as people write them in remittance text: each spelling with the invoice key
it must yield, or none (customer and order numbers, dates, amounts, postal codes, phone numbers and
IBANs); other invoice-number layouts; structured references (RF, an invoice's own reference)."""

from __future__ import annotations

import pytest

from hub.o2c.cashapp.references import NumberFormats
from hub.o2c.cashapp.structured import StructuredReferences, compact_reference, rf_reference, rf_references_in, rf_valid

#: our numbers: INV-<year>-<6 digits>, open invoices of 2023 to 2025
OURS = NumberFormats([f"INV-{year}-{n:06d}" for year in (2023, 2024, 2025) for n in range(1, 300)])
K42 = "INV|2024|42"

SPELLINGS = [
    # our prefix, separators, case, leading zeros dropped or added, run together
    ("INV-2024-000042", [K42]),
    ("inv-2024-000042", [K42]),
    ("INV 2024 000042", [K42]),
    ("INV2024000042", [K42]),
    ("inv 2024 42", [K42]),
    ("INV/2024/42", [K42]),
    ("INV.2024.042", [K42]),
    ("INV_2024_000042", [K42]),
    ("INV-2024-0000042", [K42]),
    ("INV202442", [K42]),
    ("Inv. no. 2024-42", [K42]),
    ("Inv#2024-000042", [K42]),
    # English, German, French, Spanish, Italian, Dutch, Nordic, Polish words and abbreviations
    ("Invoice 2024-42", [K42]),
    ("Invoice No. 2024/000042", [K42]),
    ("Bill 2024-42", [K42]),
    ("Rechnung 2024-000042", [K42]),
    ("Rg. 2024/42", [K42]),
    ("Re.-Nr. 2024-42", [K42]),
    ("RNr 2024.42", [K42]),
    ("Rechnungsnummer: 2024-000042", [K42]),
    ("RE 2024 42", [K42]),
    ("Facture n° 2024-42", [K42]),
    ("Fact. 2024/000042", [K42]),
    ("Fac. 2024-42", [K42]),
    ("Factura Nº 2024/42", [K42]),
    ("Fra. 2024-000042", [K42]),
    ("Fattura n. 2024/42", [K42]),
    ("Fatt. 2024-42", [K42]),
    ("Ft. 2024/000042", [K42]),
    ("Factuur 2024000042", [K42]),
    ("Fact.nr 2024-42", [K42]),
    ("Faktura nr 2024-42", [K42]),
    ("Fakt. 2024/42", [K42]),
    ("Fakturanummer 2024-000042", [K42]),
    ("Faktura VAT nr 2024/42", [K42]),
    ("Laskunro 2024-42", [K42]),
    ("Nr. 2024/42", [K42]),
    ("Ref 2024-42", [K42]),
    ("# 2024-000042", [K42]),
    # a number alone: only exactly our layout
    ("2024-000042", [K42]),
    ("2024000042", [K42]),
    ("Zahlung 4711 2024-000042", [K42]),
    # split over two statement lines (joined with a space)
    ("INV-2024-0000 42", [K42]),
    ("INV-20 24-000042", [K42]),
    ("Rechnung 2024-00 0042", [K42]),
    ("INV-2 024-000042 2024-000043", [K42, "INV|2024|43"]),
    # several invoices in one text
    ("Rechnungen 2024-42, 43 und 44", [K42, "INV|2024|43", "INV|2024|44"]),
    ("INV-2024-000042/000043", [K42, "INV|2024|43"]),
    ("INV-2024-000042/43/44", [K42, "INV|2024|43", "INV|2024|44"]),
    ("INV 2024-42 + 2024-43", [K42, "INV|2024|43"]),
    ("Invoices 2024-000042 and 2025-000007", [K42, "INV|2025|7"]),
    ("INV2025000525 2025/000692", ["INV|2025|525", "INV|2025|692"]),
    ("INV-2024-000042 INV-2024-000042", [K42]),
    ("INV 2024 42 2024/000043", [K42, "INV|2024|43"]),
    ("INV 2024 42 2024000043", [K42, "INV|2024|43"]),
    ("Rechnungen 2024-42 2024-43", [K42, "INV|2024|43"]),
    ("RE: INV 2024 42 RF31 INV2 0230 1799 7 2025/000007", [K42, "INV|2025|7"]),
    # the invoice among other numbers
    ("Zahlung für Rechnung 2024-42 vom 15.03.2024", [K42]),
    ("Kundennr. 4711, Rechnung 2024-42", [K42]),
    ("INV-2024-000042, 2 Stück", [K42]),
    ("INV-2019-000042", ["INV|2019|42"]),  # an older year: a reference, even to a paid invoice
    # nothing: other kinds of numbers
    ("Kd-Nr. 2024000042", []),
    ("Kundennummer 100234", []),
    ("Customer no. 2024-000042", []),
    ("Order 2024-000042", []),
    ("Bestellung Nr. 2024/42", []),
    ("Auftrag 2024-000042", []),
    ("PO 4500012345", []),
    ("Lieferschein 2024-000042", []),
    ("Mandatsreferenz 2024-000042", []),
    ("Zamówienie 2024-000042", []),
    # nothing: dates, amounts, postal codes, phone numbers, IBANs, a loose number
    ("15.03.2024", []),
    ("Rechnung 15.03.2024", []),
    ("Rechnung 2024-03-15", []),
    ("Rechnung vom 2024-03-15", []),
    ("EUR 1.234,56", []),
    ("Betrag 2024.00 EUR", []),
    ("10115 Berlin", []),
    ("D-80331 München", []),
    ("Tel. +49 30 2024000042", []),
    ("IBAN DE89 3704 0044 0532 0130 00", []),
    ("DE89370400440532013000", []),
    ("2024 42", []),
    ("2024-00042", []),
    ("Zahlung 2024", []),
    ("INV-1987-000042", []),
    ("RF18 5390 0754 7034", []),
    ("Zahlung danke", []),
]


@pytest.mark.parametrize("text, keys", SPELLINGS, ids=[text for text, _ in SPELLINGS])
def test_invoice_references_as_people_write_them(text, keys):
    assert [found.key for found in OURS.find(text)] == keys


def test_the_table_holds_fifty_spellings_and_their_traps():
    assert len([k for _, k in SPELLINGS if k]) >= 50 and len([k for _, k in SPELLINGS if not k]) >= 20


@pytest.mark.parametrize("text, kind, written", [
    ("Payment INV-2024-42 thanks", "number", "INV-2024-42"),
    ("Zahlung zu Rechnung Nr. 2024/42", "keyword", "Rechnung Nr. 2024/42"),
    ("Zahlung 2024-000042", "bare", "2024-000042"),
    ("Rechnung INV-2024-000042", "number", "Rechnung INV-2024-000042"),
], ids=["our prefix", "an invoice word", "bare", "word and prefix"])
def test_each_reference_says_how_it_was_written(text, kind, written):
    (found,) = OURS.find(text)
    assert (found.kind, found.text) == (kind, written)


@pytest.mark.parametrize("numbers, text, keys", [
    (["INV/2024/00042", "INV/2023/00007"], "Facture INV/2024/00042", ["INV|2024|42"]),
    (["INV/2024/00042", "INV/2023/00007"], "inv 2024 42", ["INV|2024|42"]),
    (["INV/2024/00042", "INV/2023/00007"], "2024/00042", ["INV|2024|42"]),
    ([f"{100000 + n}" for n in range(300)], "Rechnung 100042", ["100042"]),
    ([f"{100000 + n}" for n in range(300)], "100042", ["100042"]),
    ([f"{100000 + n}" for n in range(300)], "10115 Berlin", []),
    ([f"{100000 + n}" for n in range(300)], "Kd-Nr. 100042", []),
    ([f"FV/{n}/2024" for n in range(1, 300)], "FV 42/2024", ["FV|42|2024"]),
    ([f"FV/{n}/2024" for n in range(1, 300)], "Faktura nr 42/2024", ["FV|42|2024"]),
    ([f"{n:05d}" for n in range(1, 300)], "00042", []),  # five digits alone: a postal code as likely
    ([f"{n:05d}" for n in range(1, 300)], "Rechnung 00042", ["42"]),
], ids=["odoo with word", "odoo no zeros", "odoo bare", "numeric with word", "numeric alone", "postal code",
        "customer number", "polish prefix", "polish word", "short number alone", "short number with word"])
def test_other_invoice_number_layouts(numbers, text, keys):
    assert [found.key for found in NumberFormats(numbers).find(text)] == keys


@pytest.mark.parametrize("reference, valid", [
    ("RF18539007547034", True), ("RF18 5390 0754 7034", True), ("RF19539007547034", False),
    ("RF18", False), (rf_reference("INV-2024-00042"), True),
], ids=["iso example", "spaced", "wrong check digits", "no payload", "generated"])
def test_rf_check_digits(reference, valid):
    assert rf_valid(reference) is valid


@pytest.mark.parametrize("text, found", [
    ("pay RF18 5390 0754 7034 RF19539007547034 thanks", ["RF18539007547034"]),
    ("Bonifico RF18 5390 0754 7034 thank you", ["RF18539007547034"]),
    ("Zahlung rf18539007547034 Kundennummer 100234", ["RF18539007547034"]),
    ("RF 18 5390 0754 7034", ["RF18539007547034"]),
    ("RF18539007547034INV", []),
], ids=["two, one valid", "words after the groups", "words after one piece", "check digits apart", "glued to a word"])
def test_rf_references_in_text(text, found):
    assert rf_references_in(text) == found


@pytest.mark.parametrize("text, found", [
    ("+++090/9337/55493+++", [("090933755493", "090/9337/55493")]),
    ("Mitteilung 090 9337 55493 danke", [("090933755493", "090 9337 55493")]),
    ("rf18 5390 0754 7034", [("RF18539007547034", "rf18 5390 0754 7034")]),
    ("X090933755493", []),
    ("0909337554931", []),
    ("RF18539007547035", []),
], ids=["belgian", "spaced", "rf lower case", "inside a word", "longer number", "other reference"])
def test_an_invoices_own_reference_is_found_however_it_is_spaced(text, found):
    index = StructuredReferences({compact_reference("+++090/9337/55493+++"): ["A"],
                                  compact_reference("RF18 5390 0754 7034"): ["B"]})
    assert index.find(text) == found
