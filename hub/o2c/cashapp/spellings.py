"""The words around invoice numbers in remittance text, in the languages of our users.

    INVOICE   a word for "invoice" or its abbreviation: the number after it is an invoice number
              even without our prefix (Rechnung 2024-42, Fra. 2024/42)
    FILLER    "number", "no.", "ref": kept between an invoice word and its number (Re.-Nr.,
              Facture n°, Fattura nr.); alone they make no number an invoice number
    LIST      "and" in a list of numbers (2024-42 und 43)
    FOREIGN   a word for another kind of number (customer, order, delivery note, contract,
              mandate, account, postal code, phone, tax id): the number after it is never read
    OTHER     any other word: it ends the context of the words before it

Words are compared folded (no case, no accents: Nº is "no", Zamówienie "zamowienie"); a word
starting with one of the stems counts too (Rechnungsnummer, Kundennr, Bestellnummer).
"""

from __future__ import annotations

import unicodedata

INVOICE = "<invoice>"
FILLER = "<filler>"
LIST = "<list>"
FOREIGN = "<foreign>"
OTHER = "<other>"

_INVOICE_WORDS = frozenset("""
    invoice invoices inv invs invc invno invnr bill bills billno
    rechnung rechnungen rechn rechng rg rgn rgnr rgs re ren renr rnr rn rechnr
    facture factures fact fac fa fct factno factnr
    factura facturas fra fras fctra
    fattura fatture fatt ft ftt ftr fat
    factuur facturen factuurnr factuurnummer fnr
    faktura fakturaer fakturor fakturan fakturanr fakturanummer fakt fak faktury fv fvat
    lasku laskut laskun laskunro
    fatura faturas
""".split())
_INVOICE_STEMS = ("rechnung", "invoice", "factur", "fattur", "faktur", "factuur", "fatur", "lasku")

_FILLER_WORDS = frozenset("""
    no nos nr nrs nro nros n num nums numero numeros number numbers nummer nummern numer numery nb
    ref refs reference referenz referencia riferimento referentie referens viite
    vat
""".split())

_LIST_WORDS = frozenset("and und et y e en og och i oraz sowie u ja".split())

_FOREIGN_WORDS = frozenset("""
    kd kdn kdnr knr kto ktonr konto cust custno po pono ord ordno cde cmd bestnr auftr
    ls lsnr dn bl bon albaran ddt pakbon
    iban bic blz acct account plz zip postcode cap cp tel telefon phone fax mob
    ust ustid ustidnr idnr steuernr stnr vatno nip siret siren cif nif piva
    mref mandat mandate cred
""".split())
_FOREIGN_STEMS = ("kunde", "customer", "client", "auftrag", "bestell", "order", "commande", "pedido",
                  "ordine", "bestelling", "bestilling", "zamowien", "vertrag", "contract", "contrat",
                  "mandat", "lieferschein", "delivery", "livraison", "account", "konto", "telef")


def fold(word: str) -> str:
    """A word without case and accents (Nº → no)."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def word_class(word: str) -> str:
    """INVOICE, FILLER, LIST, FOREIGN or OTHER."""
    folded = fold(word)
    if folded in _INVOICE_WORDS:
        return INVOICE
    if folded in _FILLER_WORDS:
        return FILLER
    if folded in _LIST_WORDS:
        return LIST
    if folded in _FOREIGN_WORDS or folded.startswith(_FOREIGN_STEMS):
        return FOREIGN
    if folded.startswith(_INVOICE_STEMS):
        return INVOICE
    return OTHER
