"""Cash application: match incoming money (Stripe payments, bank lines) to open invoices.

    normalize    payment / bank transaction → Remittance (amount, payer, texts)
    references   invoice-number keys learned from the open invoices, RF creditor references,
                 Stripe ids
    customers    who paid: IBAN map, referenced invoice, fuzzy payer name
    scoring      points and reasons for one candidate invoice set
    allocation   how a payment spreads over a set: applied, discount, write-off, credit
    matcher      candidate sets → Decision (auto, proposal, unmatched); pure, no database
    service      the store side: open invoices in, applications and proposals out, learning
"""
