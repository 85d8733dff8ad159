"""The outbox worker (`outbox send --follow`) queues overdue alerts on each pass, then sends."""

from __future__ import annotations

import signal

import pytest

from portal.cases import alerts
from portal.cli import outbox_commands
from tests.cases.alert_helpers import alert_app, mails, overdue_case, queued
from tests.mail.outbox_helpers import queue
from tests.staff_helpers import make_staff


def _follow_once(app, monkeypatch, *extra: str):
    real_follow = outbox_commands.follow

    def follow_then_stop(run_pass, interval, stop):
        def one_pass():
            report = run_pass()
            signal.raise_signal(signal.SIGTERM)
            return report

        real_follow(one_pass, interval, stop)

    monkeypatch.setattr(outbox_commands, "follow", follow_then_stop)
    args = ["outbox", "send", "--follow", "--interval", "0.1", *extra]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output


def test_each_pass_alerts_then_sends(make_app, smtp_server, monkeypatch):
    app = alert_app(make_app, smtp_server)
    worker = make_staff(app, "worker@example.org")
    overdue_case(app, assignee_id=worker.id)
    output = _follow_once(app, monkeypatch)
    assert "queued 1 overdue alert(s) (1 to the assignee)" in output
    assert "sent 1, retry 0, failed 0, uncertain 0" in output
    assert [to for to, _m, _b in mails(smtp_server)] == [["worker@example.org"]]


def test_no_alerts_leaves_them_to_cron(make_app, smtp_server, monkeypatch):
    app = alert_app(make_app, smtp_server)
    overdue_case(app)
    _follow_once(app, monkeypatch, "--no-alerts")
    assert queued(app) == [] and mails(smtp_server) == []


def test_a_broken_alert_pass_does_not_stop_the_mail(make_app, smtp_server, monkeypatch, caplog):
    app = alert_app(make_app, smtp_server)
    queue(app, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(alerts, "run_overdue", broken)
    with caplog.at_level("WARNING"):
        output = _follow_once(app, monkeypatch)
    assert "sent 1, retry 0, failed 0, uncertain 0" in output
    assert "overdue alerts failed this pass: RuntimeError" in caplog.text


@pytest.mark.parametrize("mail_from", [None, ""])
def test_without_a_sender_nothing_is_queued(make_app, smtp_server, mail_from):
    app = alert_app(make_app, smtp_server, PORTAL_MAIL_FROM=mail_from)
    overdue_case(app)
    with app.app_context():
        assert alerts.settings_now().can_send is False
    result = app.test_cli_runner().invoke(args=["alerts", "run"])
    assert result.exit_code == 1 and queued(app) == []
