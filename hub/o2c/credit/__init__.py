"""Credit control on order import (DESIGN §5).

    rules     pure: the facts about a customer + a policy → a decision with every rule's value
    exposure  reads those facts from the canonical store
    service   records checks, and the approve / reject of a held order (re-queues its run)
    cli       o2c-hub credit held | show | approve | reject
"""
