"""The Celery application of the hub; `celery -A mdm worker` finds it here."""
import gc
import os

import kombu.pools
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mdm.settings")

app = Celery("mdm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def close_broker_connections() -> None:
    """Close every pooled broker connection of this process; new pools open on next use.

    Dropping a pool without closing it is not enough: a process forked later closes the pools
    it inherits (kombu's after-fork hook), and a connection still waiting for replies (after a
    ping, say) then reads from the socket it shares with this process and blocks forever.
    """
    gc.collect()  # a pool dropped without being closed stays registered for forked children until collected
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
