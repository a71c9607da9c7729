"""How payers write invoice references in remittance text, for the generated data set.

Every spelling here is one a careful clerk reads as the invoice without a second thought: our
number as printed or lower case, spaced, run together, without leading zeros; after a word for
invoice in the languages of our users; alone in exactly our layout; as the RF reference of our
number; split over two statement lines; named twice. Lists of several invoices are written the
way people shorten them (Rechnungen 2024-42, 43 und 44). Around them go the words payers add,
including numbers that are no invoice number (a customer or order number, a date, an amount, an
IBAN, a postal code); some banks pass the text on in capitals or lower case.
"""

from __future__ import annotations

import random

from hub.o2c.cashapp.structured import rf_reference

#: (family, template) for one invoice: {p} our prefix, {y} year, {n} the number as printed (6 digits),
#: {i} the number without leading zeros
ONE = [
    ("printed", "{p}-{y}-{n}"), ("printed", "{lp}-{y}-{n}"), ("spaced", "{p} {y} {i}"), ("spaced", "{lp} {y} {n}"),
    ("run together", "{p}{y}{n}"), ("no zeros", "{lp}-{y}-{i}"), ("no zeros", "{p}/{y}/{i}"),
    ("word", "Invoice {y}-{i}"), ("word", "Invoice No. {y}/{n}"), ("word", "Inv. no. {y}-{i}"), ("word", "Bill #{y}-{i}"),
    ("word", "Rechnung {y}-{n}"), ("word", "Rechnung Nr. {y}/{i}"), ("word", "Rg. {y}/{i}"), ("word", "Re.-Nr. {y}-{i}"),
    ("word", "RNr {y}.{i}"), ("word", "Facture n° {y}-{i}"), ("word", "Fact. {y}/{n}"), ("word", "Factura Nº {y}/{i}"),
    ("word", "Fra. {y}-{n}"), ("word", "Fattura n. {y}/{i}"), ("word", "Fatt. {y}-{i}"), ("word", "Ft. {y}/{n}"),
    ("word", "Factuur {y}{n}"), ("word", "Fact.nr {y}-{i}"), ("word", "Faktura nr {y}-{i}"), ("word", "Fakt. {y}/{i}"),
    ("word", "Faktura VAT nr {y}/{i}"), ("word", "Nr. {y}/{i}"), ("word", "Ref {y}-{i}"),
    ("bare", "{y}-{n}"), ("bare", "{y}/{n}"), ("bare", "{y}{n}"),
    ("rf", "{rf}"), ("rf", "{rf4}"),
    ("split", "{split}"), ("twice", "{p}-{y}-{n} / Rechnung {y}-{i}"),
]
#: what payers write around a reference, some with numbers that are no invoice number
BEFORE = ["", "", "Zahlung ", "Payment for ", "RE: ", "Pago ", "Paiement ", "Betaling ", "Bonifico ", "Ueberweisung "]
AFTER = ["", "", "", " danke", " thank you", " Kd-Nr. 4711", " vom 15.03.2024", " Kundennummer 100234", " merci",
         " IBAN DE89 3704 0044 0532 0130 00", " EUR 1.234,56", " Auftrag 2024-000318", " PLZ 10115"]
#: a list of invoices of one year, as people shorten it: {first} spelled fully, then the others
LISTS = [
    "Rechnungen {y}-{i0}, {rest_i} und {last_i}", "Invoices {y}-{i0}, {rest_i} and {last_i}",
    "{p}-{y}-{n0}/{rest_n}/{last_n}", "Fatture {y}/{i0}, {rest_i} e {last_i}", "Facturen {y}-{i0}, {rest_i} en {last_i}",
]


def one(rng: random.Random, number: str) -> tuple[str, str]:
    """(family, text) of one invoice reference as a payer writes it."""
    family, template = rng.choice(ONE)
    return family, _fill(rng, template, number)


def around(rng: random.Random, reference: str) -> str:
    """The reference with the words a payer puts around it, as the bank passes it on (many
    banks in capitals)."""
    return case(rng, rng.choice(BEFORE) + reference + rng.choice(AFTER))


def case(rng: random.Random, text: str) -> str:
    """``text`` as written, or in capitals or lower case as some banks pass it on."""
    roll = rng.random()
    return text.upper() if roll < 0.2 else text.lower() if roll < 0.25 else text


def several(rng: random.Random, numbers: list[str]) -> str:
    """A remittance naming every invoice of a combined payment."""
    years = {_parts(n)[1] for n in numbers}
    if len(years) == 1 and len(numbers) > 1 and rng.random() < 0.5:
        template = rng.choice(LISTS)
        if len(numbers) == 2:
            template = template.replace("{rest_i}, ", "").replace("{rest_i}/", "").replace(", {rest_i}", "").replace(
                "{rest_n}/", "")
        return case(rng, _list(template, numbers))
    return case(rng, rng.choice([" ", ", ", "; ", " + "]).join(_fill(rng, rng.choice(ONE)[1], n) for n in numbers))


def split_over_lines(rng: random.Random, text: str) -> str:
    """``text`` cut by a statement line end (a space) somewhere inside its digits."""
    digits = [k for k in range(1, len(text)) if text[k].isdigit() and text[k - 1].isdigit()]
    if not digits:
        return text
    at = rng.choice(digits)
    return text[:at] + " " + text[at:]


def _fill(rng: random.Random, template: str, number: str) -> str:
    prefix, year, digits = _parts(number)
    if template == "{split}":
        return split_over_lines(rng, number)
    rf = rf_reference(number)
    return template.format(p=prefix, lp=prefix.lower(), y=year, n=digits, i=int(digits), rf=rf,
                           rf4=" ".join(rf[k:k + 4] for k in range(0, len(rf), 4)))


def _list(template: str, numbers: list[str]) -> str:
    prefix, year, first = _parts(numbers[0])
    middle = [_parts(n)[2] for n in numbers[1:-1]]
    last = _parts(numbers[-1])[2]
    return template.format(p=prefix, y=year, i0=int(first), n0=first, rest_i=", ".join(str(int(m)) for m in middle),
                           rest_n="/".join(middle), last_i=int(last), last_n=last)


def _parts(number: str) -> tuple[str, str, str]:
    prefix, year, digits = number.split("-")
    return prefix, year, digits
