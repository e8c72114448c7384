"""A newsletter worker that dies (os._exit, like SIGKILL) after a given number of messages.

Run by test_exactly_once.py in a separate process:
    python crash_worker.py '<json: settings, campaign_id, crash_after, point>'
``point`` is "after_sent" (dies right after the k-th message is marked sent) or
"before_mark" (dies after the SMTP server accepted the k-th message, before marking it).
"""
import json
import os
import sys


def main():
    args = json.loads(sys.argv[1])
    from hub.app import make_config
    from hub.jobs import run_job
    from hub_newsletter import sending

    config = make_config(args["settings"])
    crash_after, point = args["crash_after"], args["point"]
    count = {"n": 0}

    if point == "after_sent":
        original_mark = sending._mark_sent

        def mark(conn, tx, delivery_id):
            original_mark(conn, tx, delivery_id)
            count["n"] += 1
            if count["n"] >= crash_after:
                os._exit(137)

        sending._mark_sent = mark
    else:
        original_send = sending.Transport.send

        def send(self, envelope_from, to, data, name):
            original_send(self, envelope_from, to, data, name)
            count["n"] += 1
            if count["n"] >= crash_after:
                os._exit(137)

        sending.Transport.send = send
    run_job(config.registry, "newsletter.send", {"campaign_id": args["campaign_id"]})
    sys.exit(0)


if __name__ == "__main__":
    main()
