#!/usr/bin/env python3
"""Generate the benchmark corpus: support replies as RFC 5322 messages.

    mkcorpus.py OUTDIR [--seed N] [--mixed N] [--five N]

Writes
    OUTDIR/mixed/*.eml  replies of 2 to 10 KB: plain text, quoted-printable,
                        HTML only, and multipart/alternative (text + HTML)
                        with a PDF-like base64 attachment; plus one 200 KB
                        reply (zz-large-200k.eml)
    OUTDIR/5k/*.eml     replies of about 5 KB each (the latency figure)
    OUTDIR/large/*.eml  the 200 KB reply alone

The text reads like real support replies: greeting, apology or its absence,
empathy, numbered steps, the odd cliche or excuse, a sign-off, signature,
helpdesk footer and the quoted customer history (several levels, "On ...
wrote:" and "-----Original Message-----" styles).  Output is deterministic
for a given seed.  Standard library only.
"""

import argparse
import datetime
import email.policy
import os
import random
import sys
from email.message import EmailMessage
from email.utils import format_datetime

POLICY = email.policy.default.clone(linesep="\n", max_line_length=78)

AGENTS = [
    ("Dana Whitfield", "dana.whitfield"), ("Marco Bellini", "marco.bellini"),
    ("Priya Raman", "priya.raman"), ("Søren Lykke", "soren.lykke"),
    ("Aisha Bello", "aisha.bello"), ("Tom Kowalski", "tom.kowalski"),
    ("Hélène Fabre", "helene.fabre"), ("Kenji Watanabe", "kenji.watanabe"),
]
CUSTOMERS = [
    ("Jordan Ellis", "jordan.ellis", "mail-example.net"),
    ("Maria González", "m.gonzalez", "correo-example.es"),
    ("Liam O'Connor", "liam.oconnor", "inbox-example.ie"),
    ("Fatima Zahra", "fzahra", "webmail-example.ma"),
    ("Chen Wei", "chen.wei", "post-example.cn"),
    ("Emily Carter", "ecarter", "example.org"),
    ("Jürgen Müller", "j.mueller", "mailbox-example.de"),
    ("Noah Williams", "noah.w", "example.com.au"),
]
COMPANIES = [
    ("Acme Home Goods", "support.acme-example.com"),
    ("Northwind Telecom", "help.northwind-example.com"),
    ("Bluebird Travel", "care.bluebird-example.com"),
]

# (subject, problem phrase, customer complaint lines)
CASES = [
    ("Order arrived damaged", "your order arrived damaged",
     ["The blender I ordered arrived with a cracked jug.",
      "The box was crushed on one side and there was glass in the packaging.",
      "I needed it for my daughter's birthday party on Saturday."]),
    ("Charged twice for my subscription", "you were charged twice this month",
     ["I was charged twice for my monthly plan, on the 3rd and again on the 4th.",
      "That is money I budgeted for rent.",
      "Please refund the duplicate payment as soon as possible."]),
    ("Technician never arrived", "the technician never arrived on Tuesday",
     ["I took the whole day off work and nobody showed up.",
      "Nobody called either, and the chat said the visit was completed.",
      "My internet has now been down for six days."]),
    ("Cannot log in after the update", "you have been locked out of your account since the update",
     ["Since the app updated I get 'session expired' every time I log in.",
      "I reset my password twice, it did not help.",
      "I run my shop's bookings through your app so this is costing me customers."]),
    ("Refund still not received", "your refund has still not reached you",
     ["You promised the refund would be back on my card within five days.",
      "It has been three weeks.",
      "Every time I call I am told to wait another week."]),
    ("Flight change fee", "you were charged a change fee we had waived",
     ["Your agent told me on the phone the change fee would be waived.",
      "Then I saw a 150 EUR charge on my statement.",
      "I have the call reference if you need it: CR-7731."]),
    ("Wrong size delivered", "we sent the wrong size",
     ["I ordered the jacket in M and received an XXL.",
      "The label on the bag even says M.",
      "I am travelling next week and wanted to wear it."]),
    ("Router keeps dropping connection", "your router keeps dropping the connection",
     ["The new router disconnects every evening around 8 pm.",
      "Restarting it helps for an hour or so.",
      "I work from home and my video calls keep failing."]),
]

GREETINGS = ["Hi {first},", "Hello {first},", "Dear {first},", "Hi {first}, thanks for writing back."]
ACKS = [
    "I'm sorry {problem}; that should not have happened.",
    "I'm really sorry that {problem}. That was our mistake, not yours.",
    "Please accept my apologies: {problem}, and I can see from your ticket that it was our error.",
    "I regret that {problem}, and I take responsibility for getting it fixed.",
]
EMPATHY = [
    "I understand how frustrating this must be, especially after waiting so long.",
    "I know you were counting on this, and I can only imagine how annoying the last few days have been.",
    "I can see why you are upset: you did everything right and still ended up out of pocket.",
    "Losing a whole day to this is exhausting, and I completely understand your frustration.",
]
CLICHES = [
    "We apologise for any inconvenience caused.",
    "Your business is important to us.",
    "Thank you for your patience and understanding.",
    "Sorry for any inconvenience.",
]
EXCUSES = [
    "Unfortunately the delay was caused by our courier and was out of our control.",
    "This is not something our team could have prevented.",
]
# per case (same order as CASES): what was done, and steps for the customer
SOLUTIONS = [
    "A replacement blender ships today by express courier, tracking number 1Z 999 AA1 01 2345 6784. "
    "You do not need to return the damaged one; please recycle it safely.",
    "I have refunded the duplicate payment of 24.99 EUR; it will show on your statement within "
    "3 to 5 working days. I have also added a 10 EUR credit to your account for the trouble.",
    "I have booked a new visit for Thursday between 8 and 10 am and marked it as priority. "
    "The technician will call you 30 minutes before arriving, and this month's line rental is on us.",
    "I have reset your session on our side, so you can sign in again straight away.",
    "I have sent the refund again by bank transfer today, reference RF-20931; it arrives in 1 to 2 working days.",
    "I have refunded the 150 EUR change fee in full; our agent was right to waive it.",
    "I have sent the jacket in size M by next-day delivery, free of charge.",
    "I have ordered a replacement router with the new firmware; it arrives on Wednesday.",
]
STEPS = [
    ["Keep the damaged jug out of reach of children.", "Take a photo of the label on the box.",
     "Reply to this email with the photo attached, and I will send the refund for the shipping cost."],
    ["Open My Account > Billing.", "Check that only one payment method is marked 'default'.",
     "Remove the old card ending in 4417 so that it cannot be charged again."],
    ["Leave the modem switched on the night before the visit.",
     "Make sure someone over 18 is at home between 8 and 10 am.",
     "If the technician has not arrived by 10:15, call 0800 555 0100 and quote your ticket."],
    ["Open the app and go to Settings > Account.", "Tap 'Sign out of all devices'.",
     "Close the app completely, then open it again.", "Sign in with your email address and the new password."],
    ["Check your bank statement for a credit from 'ACME REFUNDS'.",
     "If it has not arrived by Friday, reply to this email with a screenshot of the statement.",
     "I will then escalate it to our finance lead the same day."],
    ["Log in to Manage Booking.", "Open the trip and choose 'Receipts'.",
     "Download the updated receipt, which no longer shows the fee."],
    ["Go to My Orders and choose the order from 12 March.", "Click 'Return or replace' next to the XXL jacket.",
     "Print the prepaid label (no charge) and drop the parcel at any post office."],
    ["Unplug the router for 30 seconds.", "Plug it back in and wait for the light to turn solid white.",
     "Open http://192.168.1.1 and choose 'Update firmware'.",
     "Leave it connected while the update installs (about 5 minutes)."],
]
FOLLOWUPS = [
    "Let me know if this fixes it.",
    "Could you reply to confirm the new appointment works for you?",
    "I'll check in with you on Monday to make sure the refund has arrived.",
    "Does Thursday work for you, or would another day suit you better?",
    "If anything still looks wrong, just reply to this email and I'll pick it up personally.",
]
CLOSINGS = ["Kind regards,", "Best wishes,", "Thanks again,", "All the best,"]
FOOTERS = [
    "Reply to this email to reopen your ticket.",
    "Questions? Visit our Help Center at https://help.example.com",
    "This message was sent by the {company} helpdesk. Ticket {ticket}.",
]
PREV_AGENT = [
    "Thank you for contacting us. We are looking into it and will get back to you.",
    "I have passed your case on to the relevant team, who will be in touch.",
    "Our records show the item was delivered in good condition. Is there anything else?",
    "We apologise for any inconvenience caused. Your case has been escalated.",
]
FILLER = [
    "I have attached the photos of the packaging and the receipt.",
    "My order number is {order} and the account is in my name.",
    "I have been a customer for more than eight years and this has never happened before.",
    "I tried the steps on your website but they did not make any difference.",
    "I called on Monday and again on Wednesday, and was on hold for forty minutes each time.",
    "Please do not send me another automated message, I would like a person to read this.",
    "The reference I was given on the phone was {ticket}.",
    "If this cannot be sorted out this week I will have to cancel my account.",
    "To be clear, I am not asking for anything more than what I paid for.",
]


def wrap(text, width=72):
    out = []
    for para in text.split("\n"):
        words = para.split(" ")
        line = ""
        for w in words:
            if line and len(line) + 1 + len(w) > width:
                out.append(line)
                line = w
            else:
                line = (line + " " + w) if line else w
        out.append(line)
    return "\n".join(out)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.n = 0

    def pick(self, seq):
        return self.r.choice(seq)

    def context(self):
        r = self.r
        agent = self.pick(AGENTS)
        cust = self.pick(CUSTOMERS)
        comp = self.pick(COMPANIES)
        ci = r.randrange(len(CASES))
        case = CASES[ci]
        return {
            "agent": agent, "cust": cust, "comp": comp, "case": case, "ci": ci,
            "first": cust[0].split()[0],
            "ticket": "#%d" % r.randint(10000, 99999),
            "order": "A%07d" % r.randint(0, 9999999),
        }

    def agent_text(self, c, quality):
        """The agent's own words: list of paragraphs (str) and step lists."""
        r = self.r
        parts = [self.pick(GREETINGS).format(first=c["first"])]
        problem = c["case"][1]
        if quality != "poor" or r.random() < 0.3:
            parts.append(self.pick(ACKS).format(problem=problem))
        if quality == "good" or r.random() < 0.4:
            parts.append(self.pick(EMPATHY))
        if quality == "poor" or r.random() < 0.2:
            parts.append(self.pick(CLICHES))
        if quality == "poor" and r.random() < 0.5:
            parts.append(self.pick(EXCUSES))
        if quality == "poor" and r.random() < 0.5:
            parts.append("We are looking into it and will update you when we hear back from the team.")
        elif r.random() < 0.5:
            parts.append(SOLUTIONS[c["ci"]])
        else:
            if r.random() < 0.5:
                parts.append(SOLUTIONS[c["ci"]])
            parts.append("Here is what to do next:")
            parts.append(["%d. %s" % (i + 1, s) for i, s in enumerate(STEPS[c["ci"]])])
        if quality != "poor" or r.random() < 0.3:
            parts.append(self.pick(FOLLOWUPS))
        return parts

    def history_level(self, c, lvl):
        """One quoted message of the thread (lvl 0 is the newest):
        (header_line, [lines], depth)."""
        r = self.r
        by_customer = lvl % 2 == 0
        if by_customer:
            lines = list(c["case"][2])
            for f in r.sample(FILLER, r.randint(1, 4)):
                lines.append(f.format(order=c["order"], ticket=c["ticket"]))
            who = "%s <%s@%s>" % (c["cust"][0], c["cust"][1], c["cust"][2])
        else:
            lines = ["Hello %s," % c["first"], self.pick(PREV_AGENT),
                     "Kind regards,", c["comp"][0] + " Support"]
            who = "%s Support <help@%s>" % (c["comp"][0], c["comp"][1])
        when = datetime.datetime(2025, 3, 10, r.randint(8, 19), r.randint(0, 59)) - \
            datetime.timedelta(days=lvl)
        hdr = "On %s, %d %s at %s, %s wrote:" % (
            when.strftime("%a"), when.day, when.strftime("%b %Y"), when.strftime("%H:%M"), who)
        return (hdr, lines, lvl + 1)

    # ---- renderers ------------------------------------------------------

    def plain(self, c, parts, hist, outlook=False):
        body = []
        for p in parts:
            if isinstance(p, list):
                body.extend(p)
            else:
                body.append(wrap(p))
            body.append("")
        body.append(self.pick(CLOSINGS))
        body.append(c["agent"][0])
        body.append("")
        body.append("-- ")
        body.append("%s | %s Customer Care" % (c["agent"][0], c["comp"][0]))
        body.append("Phone +44 20 7946 0000 | Mon-Fri 8:00-18:00")
        body.append("")
        body.append(self.pick(FOOTERS).format(company=c["comp"][0], ticket=c["ticket"]))
        body.append("")
        for hdr, lines, depth in hist:
            if outlook and depth == 1:
                body.append("-----Original Message-----")
                body.append("From: " + hdr.split(", ", 2)[-1].replace(" wrote:", ""))
                body.append("Sent: %s" % hdr.split(" at ")[0][3:])
                body.append("Subject: %s" % c["case"][0])
                body.append("")
                body.extend(wrap(l) for l in lines)
            else:
                q = ">" * depth + " "
                body.append(">" * (depth - 1) + (" " if depth > 1 else "") + hdr)
                for l in lines:
                    for wl in wrap(l, 70).split("\n"):
                        body.append(q + wl)
            body.append("")
        return "\n".join(body) + "\n"

    def html(self, c, parts, hist):
        def esc(s):
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        h = ['<!DOCTYPE html>', '<html><head><meta charset="utf-8">',
             '<style>body{font-family:Arial,sans-serif;font-size:14px;color:#222}'
             ' .sig{color:#666;font-size:12px} blockquote{border-left:2px solid #ccc;'
             'margin:0 0 0 8px;padding-left:8px}</style></head><body>']
        for p in parts:
            if isinstance(p, list):
                h.append("<ol>")
                h.extend("<li>%s</li>" % esc(s.split(". ", 1)[1]) for s in p)
                h.append("</ol>")
            else:
                h.append("<p>%s</p>" % esc(p))
        h.append("<p>%s<br>%s</p>" % (self.pick(CLOSINGS), esc(c["agent"][0])))
        h.append('<div class="sig">-- <br>%s | %s Customer Care<br>'
                 'Phone +44 20 7946 0000</div>' % (esc(c["agent"][0]), esc(c["comp"][0])))
        h.append('<p class="sig">%s</p>' % esc(self.pick(FOOTERS).format(
            company=c["comp"][0], ticket=c["ticket"])))
        closes = 0
        for hdr, lines, depth in hist:
            h.append('<div class="quote"><p>%s</p><blockquote type="cite">' % esc(hdr))
            h.extend("<p>%s</p>" % esc(l) for l in lines)
            closes += 1
        h.append("</blockquote></div>" * closes)
        h.append("</body></html>")
        return "\n".join(h) + "\n"

    def headers(self, msg, c, kind):
        r = self.r
        agent, cust, comp = c["agent"], c["cust"], c["comp"]
        msg["From"] = "%s <%s@%s>" % (agent[0], agent[1], comp[1])
        msg["To"] = "%s <%s@%s>" % (cust[0], cust[1], cust[2])
        subj = "Re: [%s] %s" % (c["ticket"], c["case"][0])
        if kind == "qp" and r.random() < 0.5:
            subj = "Re: [%s] Ihre Anfrage – Rückerstattung" % c["ticket"]
        msg["Subject"] = subj
        msg["Date"] = format_datetime(datetime.datetime(
            2025, 3, 11, r.randint(8, 18), r.randint(0, 59), tzinfo=datetime.timezone.utc))
        msg["Message-ID"] = "<reply.%d.%08x@%s>" % (self.n, r.getrandbits(32), comp[1])
        refs = ["<%08x.%d.%d@%s>" % (r.getrandbits(32), self.n, i, cust[2])
                for i in range(r.randint(2, 6))]
        msg["In-Reply-To"] = refs[-1]
        msg["References"] = " ".join(refs)          # long: folded on output
        msg["X-Mailer"] = "Helpdesk Suite 5.2 (build 4471)"
        msg["X-Ticket-ID"] = c["ticket"][1:]
        msg["Organization"] = comp[0]

    def pdf(self, size):
        r = self.r
        head = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n"
                b"endobj\n2 0 obj\n<< /Length " + str(size).encode() +
                b" /Filter /FlateDecode >>\nstream\n")
        tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        n = max(0, size - len(head) - len(tail))
        return head + r.randbytes(n) + tail

    def build(self, kind, target, quality=None):
        """One message of the given kind, close to target bytes: the quoted
        history grows (or, for multipart, the attachment) until it fits."""
        self.n += 1
        c = self.context()
        if quality is None:
            quality = self.r.choice(["good", "good", "mixed", "poor"])
        parts = self.agent_text(c, quality)
        outlook = self.n % 3 == 0
        hist = [self.history_level(c, 0)]
        att_size = 0
        att = b""
        data = b""
        for _ in range(60):
            msg = EmailMessage(policy=POLICY)
            state = self.r.getstate()
            self.headers(msg, c, kind)
            self.r.setstate(state)
            if kind == "plain":
                text = self.plain(c, parts, hist, outlook)
                msg.set_content(text, charset="utf-8",
                                cte="7bit" if text.isascii() else "8bit")
            elif kind == "qp":
                msg.set_content(self.plain(c, parts, hist, outlook), charset="utf-8",
                                cte="quoted-printable")
            elif kind == "html":
                msg.set_content(self.html(c, parts, hist), subtype="html", charset="utf-8",
                                cte="quoted-printable" if self.n % 2 else "8bit")
            else:  # alt: text + html alternative, PDF attachment
                msg.set_content(self.plain(c, parts, hist), charset="utf-8",
                                cte="quoted-printable")
                msg.add_alternative(self.html(c, parts, hist), subtype="html",
                                    charset="utf-8", cte="quoted-printable")
                if att_size:
                    if len(att) != att_size:
                        att = self.pdf(att_size)
                    msg.add_attachment(att, maintype="application", subtype="pdf",
                                       filename="invoice-%s.pdf" % c["order"])
            for k, part in enumerate(msg.walk()):
                if part.is_multipart():     # deterministic boundaries
                    part.set_boundary("=_care_%d_%d_%s" % (self.n, k, part.get_content_subtype()))
            data = msg.as_bytes(policy=POLICY)
            if len(data) >= target * 0.97:
                break
            missing = target - len(data)
            if kind == "alt" and missing > 1500:
                # fill most of the gap with the attachment (base64: 4/3 + newlines)
                att_size += int(missing * 0.72)
            else:
                hist.append(self.history_level(c, len(hist)))
        self.headers(EmailMessage(policy=POLICY), c, kind)   # advance the generator
        return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=20250311)
    ap.add_argument("--mixed", type=int, default=48, help="2-10 KB replies (default 48)")
    ap.add_argument("--five", type=int, default=24, help="5 KB replies (default 24)")
    a = ap.parse_args()

    g = Gen(a.seed)
    dirs = {k: os.path.join(a.outdir, k) for k in ("mixed", "5k", "large")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    kinds = ["plain", "qp", "html", "alt"]
    sizes = []

    def write(d, name, data):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        sizes.append(len(data))

    for i in range(a.mixed):
        kind = kinds[i % 4]
        target = g.r.randint(2048, 10240)
        write(dirs["mixed"], "%03d-%s.eml" % (i, kind), g.build(kind, target))
    for i in range(a.five):
        kind = kinds[i % 4]
        write(dirs["5k"], "%03d-%s.eml" % (i, kind), g.build(kind, 5120))
    big = g.build("alt", 200 * 1024, quality="good")
    write(dirs["large"], "large-200k.eml", big)
    write(dirs["mixed"], "zz-large-200k.eml", big)
    print("mkcorpus: %d messages in %s (%d to %d bytes)" % (
        len(sizes), a.outdir, min(sizes), max(sizes)), file=sys.stderr)


if __name__ == "__main__":
    main()
