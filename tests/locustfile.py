"""The operators of the load run (tests/bench_load.py, part of `make bench`).

Each simulated user is one of the operators that bench_load.py seeds (`load-op-001`, ...).
It logs in through the login form (its CSRF token and cookie, a real password check), then,
with a pause of 1 to 3 seconds between pages, opens its home page, its training checklist
and the required reading linked from it, its certificates, the staff directory, and takes
the quiz of the session it attended: start, answer (most answers right, from the answer key
bench_load.py writes, so that some attempts pass and earn a certificate), submit, review.
Every answer is checked; anything but the expected page or redirect is a failure.

bench_load.py runs this file as its own process (`python tests/locustfile.py ...`: locust
in-process through its library API), because importing locust patches the standard library
for gevent. The driver at the end logs every user in first (a few at a time: each login
costs a password hash), then lets them all browse and measures that window alone. The file
also works with locust's own command line, against a server seeded by bench_load.py (users
then browse as soon as they have logged in):

    LOAD_PASSWORD=... locust -f tests/locustfile.py --headless -u 200 -r 20 -t 60s \\
        --host http://127.0.0.1:PORT
"""

# locust first: importing it patches the standard library for gevent.
from locust import FastHttpUser, between, constant, events, task  # isort: skip

import argparse
import http.cookiejar
import itertools
import json
import os
import random
import re
import sys
import time
from urllib.parse import urlencode

import gevent.event
import gevent.lock
from locust.env import Environment
from locust.exception import StopUser

USERNAME = "load-op-{:03d}"
RIGHT_ANSWER_SHARE = 0.9  # of the questions each simulated operator answers rightly
# A login checks a password (PBKDF2, about 0.25 s of CPU): users arriving together queue
# here, a few at a time, rather than in gunicorn's backlog until their requests time out.
LOGIN_GATE = gevent.lock.BoundedSemaphore(8)
ALL_LOGGED_IN = gevent.event.Event()
_numbers = itertools.count(1)
_answer_key = None  # {question id: [correct choice ids]}, read once

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
READING = re.compile(r'href="(/training/reading/\d+/)"')
QUIZ_SESSION = re.compile(r'href="(/training/quizzes/sessions/\d+/)"')
TAKE = re.compile(r'href="(/training/quizzes/attempts/\d+/take/)"')
SUBMIT = re.compile(r'action="(/training/quizzes/attempts/\d+/submit/)"')
ANSWER = re.compile(r'<input type="(radio|checkbox)" name="answer-(\d+)" value="(\d+)"')


def answer_key():
    global _answer_key
    if _answer_key is None:
        path = os.environ.get("LOAD_ANSWER_KEY")
        _answer_key = {}
        if path:
            with open(path) as file:
                _answer_key = {int(q): set(c) for q, c in json.load(file).items()}
    return _answer_key


class LoopbackCookiePolicy(http.cookiejar.DefaultCookiePolicy):
    """Send the Secure session and CSRF cookies to 127.0.0.1 over plain HTTP, as browsers
    do for loopback (the production settings mark them Secure); as in .ci/smoke."""

    def return_ok_secure(self, cookie, request):
        return True


class Operator(FastHttpUser):
    wait_time = between(1, 3)
    logged_in = not_logged_in = 0  # how many users have logged in or failed to, for the driver
    start_together = 0  # the driver's: that many log in, then all start browsing at once

    def on_start(self):
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        self.username = USERNAME.format(next(_numbers))
        self.quiz_path = None
        try:
            with LOGIN_GATE:
                html = self.page("/login/", name="/login/ [form]")
                if html is None:
                    raise StopUser()
                fields = {"csrfmiddlewaretoken": self.token(html, "/login/"), "next": "",
                          "username": self.username, "password": os.environ["LOAD_PASSWORD"]}
                if self.post("/login/", fields, name="/login/ [post]", location="/") is None:
                    raise StopUser()
        except Exception:  # a failed request (recorded as such) or no form: not logged in
            Operator.not_logged_in += 1
            raise
        Operator.logged_in += 1
        if Operator.logged_in == Operator.start_together:
            ALL_LOGGED_IN.set()
        if Operator.start_together:
            ALL_LOGGED_IN.wait()
            self.wait()  # not all at the same moment

    def page(self, path, *, name=None, expect=None):
        """GET `path`: its text, or None (a failure) unless it is 200 with `expect` in it."""
        with self.client.get(path, name=name, catch_response=True) as response:
            text = response.text or ""
            if response.status_code != 200:
                response.failure(f"{self.username}: GET {path} answered {response.status_code}")
                return None
            if expect is not None and expect not in text:
                response.failure(f"{self.username}: GET {path} has no {expect!r}")
                return None
            return text

    def token(self, html, path):
        match = TOKEN.search(html)
        if not match:
            raise AssertionError(f"{self.username}: no CSRF token in the form of {path}")
        return match.group(1)

    def post(self, path, data, *, name, location):
        """POST a form without following the redirect; a failure unless it redirects to a
        path matching `location`. Returns the Location, or None."""
        with self.client.post(path, data=urlencode(data).encode(), headers=FORM, name=name,
                              allow_redirects=False, catch_response=True) as response:
            target = (response.headers or {}).get("Location") or ""
            if response.status_code != 302 or not re.fullmatch(location, target):
                response.failure(f"{self.username}: POST {path} answered {response.status_code} to {target!r}, "
                                 f"expected a redirect to {location}")
                return None
            return target

    @task(3)
    def home(self):
        self.page("/", name="/ [home]")

    @task(3)
    def my_training(self):
        html = self.page("/training/", name="/training/ [mine]")
        readings = READING.findall(html or "")
        if readings:
            self.wait()
            self.page(random.choice(readings), name="/training/reading/[id]/")

    @task(1)
    def certificates(self):
        self.page("/training/certificates/", name="/training/certificates/")

    @task(2)
    def directory(self):
        self.page("/people/", name="/people/ [directory]")

    @task(2)
    def quiz(self):
        if self.quiz_path is None:
            html = self.page("/training/quizzes/", name="/training/quizzes/ [mine]")
            if html is None:
                return
            sessions = QUIZ_SESSION.findall(html)
            if not sessions:
                raise AssertionError(f"{self.username}: no quiz on /training/quizzes/")
            self.quiz_path = sessions[0]
        html = self.page(self.quiz_path, name="/training/quizzes/sessions/[id]/")
        if html is None:
            return
        resume = TAKE.search(html)
        if resume:
            take = resume.group(1)
        else:
            take = self.post(
                self.quiz_path, {"csrfmiddlewaretoken": self.token(html, self.quiz_path)},
                name="/training/quizzes/sessions/[id]/ [start]",
                location=r"/training/quizzes/attempts/\d+/take/",
            )
            if take is None:
                return
        html = self.page(take, name="/training/quizzes/attempts/[id]/take/")
        if html is None:
            return
        submit = SUBMIT.search(html)
        if not submit:
            raise AssertionError(f"{self.username}: no quiz form on {take}")
        asked = {}  # question id -> (kind, choice ids)
        for kind, question, choice in ANSWER.findall(html):
            asked.setdefault(int(question), (kind, []))[1].append(int(choice))
        key = answer_key()
        fields = [("csrfmiddlewaretoken", self.token(html, take))]
        for question, (kind, choices) in asked.items():
            right = key.get(question)
            if right and random.random() < RIGHT_ANSWER_SHARE:
                chosen = [c for c in choices if c in right]
            elif kind == "checkbox":
                chosen = random.sample(choices, random.randint(1, len(choices)))
            else:
                chosen = [random.choice(choices)]
            fields += [(f"answer-{question}", str(c)) for c in chosen]
        self.wait()  # answering
        review = self.post(
            submit.group(1), fields, name="/training/quizzes/attempts/[id]/submit/",
            location=r"/training/quizzes/attempts/\d+/",
        )
        if review is not None:
            # The one-time message that this submission graded the attempt.
            self.page(review, name="/training/quizzes/attempts/[id]/",
                      expect='<li class="success">')


class TrivialPageUser(Operator):
    """Logs in as an operator does, then asks for nothing but the trivial page
    (tests/load_urls.py): what Django and the stack cost here, to compare the mix with."""

    def trivial(self):
        self.page("/bench/trivial/", name="/bench/trivial/")


# After the class is made: locust's metaclass adds the operator's tasks to any list of
# tasks given in the class body.
TrivialPageUser.tasks = [TrivialPageUser.trivial]


USER_CLASSES = {"operator": Operator, "trivial": TrivialPageUser}


# The driver that bench_load.py runs: log every user in, then measure RUN_SECONDS.


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", type=float, default=60)
    parser.add_argument("--login-timeout", type=float, default=120)
    parser.add_argument("--result", required=True, help="where to write the figures (JSON)")
    parser.add_argument("--user-class", choices=USER_CLASSES, default="operator")
    parser.add_argument("--no-wait", action="store_true",
                        help="no pause between pages: as many requests as the server answers")
    args = parser.parse_args()
    user_class = USER_CLASSES[args.user_class]
    if args.no_wait:
        user_class.wait_time = constant(0)

    errors = []  # every failed request and every exception in a task, login included

    def on_request(request_type, name, response_time, exception, **kwargs):
        if exception is not None:
            errors.append(f"{request_type} {name}: {exception}")

    environment = Environment(user_classes=[user_class], host=args.host, events=events)
    environment.events.request.add_listener(on_request)
    runner = environment.create_local_runner()
    stats = environment.stats

    def log(message):
        print(f"[bench] load: {message}", file=sys.stderr, flush=True)

    Operator.start_together = args.users
    started = time.monotonic()
    runner.start(args.users, spawn_rate=args.spawn_rate)
    reported = started
    while (Operator.logged_in + Operator.not_logged_in < args.users
           and time.monotonic() - started < args.login_timeout):
        time.sleep(0.5)
        if time.monotonic() - reported >= 10:
            reported = time.monotonic()
            log(f"{Operator.logged_in} users logged in after {reported - started:.0f} s")
    login_seconds = time.monotonic() - started
    logins = stats.get("/login/ [post]", "POST")
    login = {
        "users": Operator.logged_in,
        "seconds": login_seconds,
        "p50_ms": logins.get_response_time_percentile(0.5),
        "p95_ms": logins.get_response_time_percentile(0.95),
    }
    log(f"{Operator.logged_in} of {args.users} users logged in after {login_seconds:.1f} s "
        f"(login p50 {login['p50_ms']} ms, p95 {login['p95_ms']} ms); "
        f"measuring {args.run_time:.0f} s")
    ramp_errors = len(errors) + sum(e["count"] for e in runner.exceptions.values())

    measured = {}
    if Operator.logged_in == args.users:
        stats.reset_all()
        window_started = time.monotonic()
        time.sleep(args.run_time)
        seconds = time.monotonic() - window_started
        total = stats.total
        submissions = stats.get("/training/quizzes/attempts/[id]/submit/", "POST")
        measured = {
            "seconds": seconds,
            "requests": total.num_requests,
            "failures": total.num_failures,
            "throughput": total.num_requests / seconds,
            "p50_ms": total.get_response_time_percentile(0.5),
            "p95_ms": total.get_response_time_percentile(0.95),
            "max_ms": total.max_response_time,
            "submissions": submissions.num_requests - submissions.num_failures,
            "pages": {
                f"{entry.method} {entry.name}": [entry.num_requests,
                                                  entry.get_response_time_percentile(0.5),
                                                  entry.get_response_time_percentile(0.95)]
                for entry in stats.entries.values()
            },
        }
    runner.quit()
    exceptions = [
        f"{e['msg']} ({e['count']}x):\n{e['traceback']}" for e in runner.exceptions.values()
    ]
    result = {
        "users": args.users,
        "login": login,
        "measured": measured,
        "ramp_errors": ramp_errors,
        "errors": len(errors) + sum(e["count"] for e in runner.exceptions.values()),
        "first_errors": (errors + exceptions)[:10],
    }
    with open(args.result, "w") as file:
        json.dump(result, file, indent=1)


if __name__ == "__main__":
    main()
