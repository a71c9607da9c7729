"""Sales orders: their derived status (DESIGN §4) and the order 360° view (DESIGN §5).

    status   pure: order + fulfillments + invoices + credit decision → status
    facts    reads those from the store; refresh_order_status keeps sales_orders.status current
    view     the 360° timeline of one order, by number or any external id
    net_lines  pure: what an ERP books for an order, its lines before tax with their rates
    totals     pure: whether an order's lines, shipping and taxes add up to its total
    held       an order that does not add up, kept as an open exception
"""
