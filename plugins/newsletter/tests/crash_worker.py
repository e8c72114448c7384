"""A newsletter worker that dies (os._exit, like SIGKILL) at the k-th message.

Run by test_exactly_once.py in a separate process:
    python crash_worker.py '<json: settings, campaign_id, crash_after, point>'
``point`` is "accepted" (dies right after the SMTP server accepted the k-th message,
before it is recorded as sent) or "started" (dies right after the commit that marked the
k-th message ``sending``, before the message itself went to the server).
"""
import json
import os
import sys


def main():
    args = json.loads(sys.argv[1])
    from hub.app import make_config
    from hub.jobs import run_job
    from hub_newsletter import sending
    from hub_newsletter.transport import Transport

    config = make_config(args["settings"])
    crash_after, point = args["crash_after"], args["point"]
    count = {"n": 0}

    def counted(won=True):
        if won:
            count["n"] += 1
            if count["n"] >= crash_after:
                os._exit(137)

    if point == "started":
        original_start = sending._start

        def start(*args):
            won = original_start(*args)
            counted(won)
            return won

        sending._start = start
    else:
        original_transfer = Transport.transfer

        def transfer(self, data, name):
            original_transfer(self, data, name)
            counted()

        Transport.transfer = transfer
    run_job(config.registry, "newsletter.send", {"campaign_id": args["campaign_id"]})
    sys.exit(0)


if __name__ == "__main__":
    main()
