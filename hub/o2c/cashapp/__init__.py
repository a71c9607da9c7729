"""Cash application: match incoming money (Stripe payments, bank lines) to open invoices.

    normalize    payment / bank transaction → Remittance (amount, payer, texts)
    references   invoice-number keys learned from the open invoices, RF creditor references,
                 Stripe ids
    customers    who paid: IBAN map, referenced invoice, fuzzy payer name
    scoring      points and reasons (signal, points, text) for one candidate invoice set
    allocation   how a payment spreads over a set: applied, discount, write-off, credit
    matcher      candidate sets → Decision (auto, proposal, unmatched) with the best five sets;
                 pure, no database
    service      the store side: open invoices in, applications and proposals out, learning
    candidates   a proposal's candidate sets as stored data (and proposals from before them)
    choice       what a person accepts: candidate N, or an allocation of their own, checked
    banklines    stored bank lines with their statement and what cash application made of them
    views        proposals and outcomes as plain data for the CLI, the API and the console
"""
