"""Sales orders: their derived status (DESIGN §4) and the order 360° view (DESIGN §5).

    status   pure: order + fulfillments + invoices + credit decision → status
    facts    reads those from the store; refresh_order_status keeps sales_orders.status current
    view     the 360° timeline of one order, by number or any external id
"""
