"""`flask --app portal outbox send|list` through Flask's test runner."""

from __future__ import annotations

import signal
import threading

from portal.cli import outbox_commands
from portal.mail import outbox
from tests.mail.outbox_helpers import SUBJECT, queue, row


def run(app, *args):
    return app.test_cli_runner().invoke(args=["outbox", *args])


def test_without_an_smtp_url_nothing_is_touched(app):
    (message_id,) = queue(app)
    result = run(app, "send")
    assert result.exit_code == 1
    assert "PORTAL_SMTP_URL is not set" in result.output
    untouched = row(app, message_id)
    assert (untouched.state, untouched.attempts) == ("pending", 0)


def test_send_prints_the_counts_and_list_names_failures_without_content(make_app, start_smtp):
    server = start_smtp()
    app = make_app(PORTAL_SMTP_URL=server.url, PORTAL_SMTP_TIMEOUT_SECONDS=5.0)
    server.recorder.data_replies.append("550 5.7.1 rejected")
    failed, _sent = queue(app, 2)
    result = run(app, "send")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, retry 0, failed 1, uncertain 0"
    assert len(server.recorder.received) == 1
    listing = run(app, "list")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0] == "pending 0, sending 0, sent 1, failed 1, uncertain 0"
    assert lines[1].split("\t")[:4] == [str(failed), "failed", "notice", "REQ-0"]
    assert "550 permanent refusal" in lines[1]
    for secret in (SUBJECT, "platform.example", "badchannel"):
        assert secret not in listing.output


def test_follow_sends_until_sigterm(make_app, start_smtp, monkeypatch):
    server = start_smtp()
    app = make_app(PORTAL_SMTP_URL=server.url)
    queue(app, 3)
    real_follow = outbox_commands.follow

    def follow_then_stop(run_pass, interval, stop):
        def one_pass():
            report = run_pass()
            signal.raise_signal(signal.SIGTERM)  # as systemd stops the service
            return report

        real_follow(one_pass, interval, stop)

    monkeypatch.setattr(outbox_commands, "follow", follow_then_stop)
    before = signal.getsignal(signal.SIGTERM)
    result = run(app, "send", "--follow", "--interval", "0.1")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "sending every 0.1 s until SIGTERM",
        "sent 3, retry 0, failed 0, uncertain 0",
        "stopped",
    ]
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is put back
    assert len(server.recorder.received) == 3


def test_follow_runs_passes_until_stopped(app):
    stop = threading.Event()
    passes = []

    def one_pass():
        passes.append(1)
        if len(passes) == 3:
            stop.set()
        return outbox.SendReport()

    with app.app_context():
        outbox_commands.follow(one_pass, 0.01, stop)
    assert len(passes) == 3
