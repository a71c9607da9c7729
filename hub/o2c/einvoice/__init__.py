"""E-invoices (EN 16931): canonical invoices and credit notes as UBL 2.1 or Factur-X CII, and
UBL back into canonical invoices.

    to_ubl(invoice, seller) / from_ubl(xml)      ubl.py
    to_cii(invoice, seller)                      cii.py  (CrossIndustryInvoice, EN 16931 profile)
    Seller.from_config({...})                    common.py: the issuing company, from configuration
"""

from __future__ import annotations

from hub.o2c.einvoice.cii import to_cii
from hub.o2c.einvoice.common import Seller
from hub.o2c.einvoice.ubl import from_ubl, to_ubl

__all__ = ["Seller", "from_ubl", "to_cii", "to_ubl"]
