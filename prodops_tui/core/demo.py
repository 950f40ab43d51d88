"""A realistic fictional organisation for `prodops --demo` and `prodops demo`.

Northwind Ledger sells invoicing, billing and payments software to finance teams.
`fill_demo` writes its people, product-area map, 90 days of customer feedback,
opportunities, retros, action items and checklists into an EMPTY workspace.

Everything is deterministic: the same `now` and seed (and the same store clock,
which stamps `updated_at`) give byte-identical records. Randomness comes from
`random.Random` instances seeded from `seed`, never the global generator or the
real clock. All texts live in the data tables below; the functions only combine them.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from dateutil.rrule import rrulestr

from .dates import to_iso
from .errors import ProdopsError
from .model import (
    ActionItem,
    ChecklistRun,
    ChecklistRunStep,
    ChecklistStep,
    ChecklistTemplate,
    CodeOwnersFile,
    CodeOwnersRule,
    FeedbackItem,
    Opportunity,
    Person,
    ProductArea,
    Retro,
    RetroCard,
    RetroGroup,
    TrackerLink,
)
from .rituals.checklists import run_title
from .storage.store import Store
from .text import plural

COMPANY = "Northwind Ledger"
EMAIL_DOMAIN = "northwindledger.example"
WIKI = "https://wiki.example.com"
SUPPORT_URL = "https://support.northwindledger.example/tickets/"
ORIGIN = "demo"

# The gaps the demo deliberately contains, as area paths ("Parent / Child"), sorted.
# A gaps view over a fresh demo workspace must list exactly these.
SEEDED_GAPS: dict[str, list[str]] = {
    "no_owner": ["Admin & permissions / Audit log", "Integrations / Salesforce", "Search"],
    "owner_left": ["Onboarding"],  # every owner has left (active=False)
    "no_maintainer": ["Integrations / Xero", "Notifications"],
}

# =============================================================================
# People
# =============================================================================

# key (handle without @), name, team, role, left N days before now (None = still here)
PEOPLE: tuple[tuple[str, str, str, str, int | None], ...] = (
    ("priya", "Priya Raman", "Billing squad", "Senior Product Manager", None),
    ("marcus", "Marcus Okafor", "Product leadership", "VP Product", None),
    ("sofia", "Sofia Lindqvist", "Payments squad", "Product Manager", None),
    ("daniel", "Daniel Kim", "Platform squad", "Product Manager", None),
    ("noah", "Noah Fischer", "Insights squad", "Product Manager", None),
    ("hannah", "Hannah Weiss", "Growth squad", "Product Manager", 45),
    ("amara", "Amara Nwosu", "Product Ops", "Product Operations Lead", None),
    ("tomas", "Tomás Herrera", "Billing squad", "Engineering Lead", None),
    ("mei", "Mei Chen", "Payments squad", "Engineering Lead", None),
    ("jonas", "Jonas Becker", "Platform squad", "Engineering Lead", None),
    ("kenji", "Kenji Watanabe", "Mobile squad", "Engineering Lead", None),
    ("aisha", "Aisha Rahman", "Design", "Senior Product Designer", None),
    ("lukas", "Lukas Novak", "Design", "Product Designer", None),
    ("grace", "Grace O'Connell", "Customer Success", "Head of Customer Success", None),
    ("ravi", "Ravi Menon", "Support", "Support Lead", None),
    ("oliver", "Oliver Grant", "Billing squad", "Senior Software Engineer", 10),
)

TEAM_CHANNELS = {
    "Billing squad": "#team-billing",
    "Payments squad": "#team-payments",
    "Platform squad": "#team-platform",
    "Insights squad": "#team-insights",
    "Growth squad": "#team-growth",
    "Mobile squad": "#team-mobile",
}

# =============================================================================
# Product areas
# =============================================================================


@dataclass(frozen=True)
class _AreaSpec:
    path: str
    description: str
    owners: tuple[str, ...]  # people keys
    maintainers: tuple[str, ...]
    designers: tuple[str, ...]
    influencers: tuple[str, ...]
    team: str
    glossary: tuple[str, ...]
    code_paths: tuple[str, ...]


# Parents come before their children.
AREAS: tuple[_AreaSpec, ...] = (
    _AreaSpec("Billing",
              "Everything that turns work done into money owed: invoices, credit notes, subscriptions, reminders.",
              ("priya",), ("tomas",), ("aisha",), ("marcus", "grace"), "Billing squad",
              ("billing", "bill", "account balance"), ("services/billing/**",)),
    _AreaSpec("Billing / Invoices", "Creating, editing, approving and sending invoices; numbering and line items.",
              ("priya",), ("tomas",), ("aisha",), ("grace", "ravi"), "Billing squad",
              ("invoice", "bill", "line item", "invoice number", "due date"),
              ("services/billing/invoices/**", "web/src/billing/invoices/**")),
    _AreaSpec("Billing / Invoices / Tax", "Tax rates, VAT and sales tax on invoice lines, reverse charge, tax reports.",
              ("priya", "sofia"), ("tomas",), (), ("ravi",), "Billing squad",
              ("VAT", "sales tax", "GST", "tax rate", "reverse charge", "tax ID"),
              ("services/billing/tax/**",)),
    _AreaSpec("Billing / Invoices / Templates & PDFs", "Invoice layout, branding, PDF rendering and the notes field.",
              ("priya",), ("tomas",), ("aisha",), (), "Billing squad",
              ("PDF", "invoice template", "logo", "branding", "footer"),
              ("services/billing/pdf/**", "web/src/billing/templates/**")),
    _AreaSpec("Billing / Credit notes", "Full and partial credit notes, refunds against invoices.",
              ("priya",), ("tomas",), ("aisha",), ("ravi",), "Billing squad",
              ("credit note", "credit memo", "refund", "write-off"), ("services/billing/credit_notes/**",)),
    _AreaSpec("Billing / Recurring billing", "Subscriptions, plans, proration and recurring invoice schedules.",
              ("priya",), ("tomas",), ("aisha",), ("marcus",), "Billing squad",
              ("subscription", "recurring invoice", "plan", "proration", "renewal"),
              ("services/billing/subscriptions/**",)),
    _AreaSpec("Billing / Dunning", "Automatic payment reminders and the escalation schedule for overdue invoices.",
              ("sofia",), ("tomas",), ("aisha",), ("grace",), "Billing squad",
              ("dunning", "payment reminder", "overdue", "collections", "late fee"),
              ("services/billing/dunning/**",)),
    _AreaSpec("Payments", "How our customers' clients pay: payment page, methods, payouts.",
              ("sofia",), ("mei",), ("aisha",), ("marcus", "grace"), "Payments squad",
              ("payment", "pay now", "payment link", "checkout"), ("services/payments/**",)),
    _AreaSpec("Payments / Card payments", "Card acceptance, 3-D Secure, wallets and card fees.",
              ("sofia",), ("mei",), ("aisha",), ("ravi",), "Payments squad",
              ("card", "3-D Secure", "3DS", "Apple Pay", "surcharge", "chargeback"),
              ("services/payments/cards/**",)),
    _AreaSpec("Payments / Bank transfers", "ACH, SEPA and BACS transfers and direct-debit mandates.",
              ("sofia",), ("mei",), (), ("ravi",), "Payments squad",
              ("ACH", "SEPA", "BACS", "direct debit", "mandate", "wire"), ("services/payments/bank/**",)),
    _AreaSpec("Payments / Reconciliation", "Matching payouts and bank-feed lines to invoices.",
              ("sofia", "noah"), ("mei",), ("lukas",), ("grace",), "Payments squad",
              ("reconciliation", "payout", "bank feed", "settlement", "match"),
              ("services/payments/reconciliation/**",)),
    _AreaSpec("Reporting", "Financial reporting for finance teams: dashboards and exports.",
              ("noah",), ("jonas",), ("lukas",), ("marcus",), "Insights squad",
              ("report", "reporting", "analytics"), ("services/reporting/**",)),
    _AreaSpec("Reporting / Dashboards", "Revenue, cash-flow and aged-receivables dashboards.",
              ("noah",), ("jonas",), ("lukas",), ("grace",), "Insights squad",
              ("dashboard", "aged receivables", "DSO", "cash flow", "MRR"),
              ("services/reporting/dashboards/**", "web/src/reporting/**")),
    _AreaSpec("Reporting / Exports", "CSV and Excel exports of invoices, payments and customers.",
              ("noah",), ("jonas",), ("lukas",), ("ravi",), "Insights squad",
              ("export", "CSV", "Excel", "download", "spreadsheet"), ("services/reporting/exports/**",)),
    _AreaSpec("Integrations", "Connections to accounting systems and CRMs.",
              ("daniel",), ("jonas",), ("lukas",), ("grace",), "Platform squad",
              ("integration", "sync", "connector", "app marketplace"), ("services/integrations/**",)),
    _AreaSpec("Integrations / QuickBooks", "Two-way sync of customers, invoices and payments with QuickBooks Online.",
              ("daniel",), ("jonas",), (), ("ravi",), "Platform squad",
              ("QuickBooks", "QBO", "chart of accounts", "sync"), ("services/integrations/quickbooks/**",)),
    _AreaSpec("Integrations / Xero", "Sync of invoices and contacts with Xero.",
              ("daniel",), (), (), ("ravi",), "Platform squad",
              ("Xero", "sync", "tracking category", "contact"), ("services/integrations/xero/**",)),
    _AreaSpec("Integrations / Salesforce",
              "Creating invoices from closed Salesforce opportunities; invoice status in the CRM.",
              (), ("jonas",), (), ("grace", "marcus"), "Platform squad",
              ("Salesforce", "CRM", "opportunity", "account"), ("services/integrations/salesforce/**",)),
    _AreaSpec("API & webhooks", "The public REST API, API keys, rate limits and webhook delivery.",
              ("daniel",), ("jonas",), (), ("ravi",), "Platform squad",
              ("API", "webhook", "API key", "rate limit", "developer docs"),
              ("services/api/**", "services/webhooks/**")),
    _AreaSpec("Admin & permissions", "Company settings, users, roles, SSO and the audit log.",
              ("daniel",), ("jonas",), ("lukas",), ("grace",), "Platform squad",
              ("admin", "settings", "users", "SSO", "SAML", "Okta"), ("services/accounts/**",)),
    _AreaSpec("Admin & permissions / Roles", "Roles and approval rights: who can see, edit, approve and send.",
              ("daniel",), ("jonas",), ("lukas",), ("ravi",), "Platform squad",
              ("role", "permission", "approver", "read-only", "accountant access"),
              ("services/accounts/roles/**",)),
    _AreaSpec("Admin & permissions / Audit log", "A record of who changed what and when, for auditors.",
              (), ("jonas",), (), ("grace",), "Platform squad",
              ("audit log", "audit trail", "history", "activity"), ("services/accounts/audit/**",)),
    _AreaSpec("Onboarding", "Sign-up, the guided setup and the first invoice.",
              ("hannah",), ("kenji",), ("aisha",), ("grace",), "Growth squad",
              ("setup", "getting started", "trial", "welcome checklist"), ("web/src/onboarding/**",)),
    _AreaSpec("Onboarding / Data import", "Importing customers, items and open invoices from other systems.",
              ("noah",), ("jonas",), ("lukas",), ("ravi",), "Insights squad",
              ("import", "CSV import", "migration", "switching"), ("services/imports/**",)),
    _AreaSpec("Mobile app", "The iOS and Android app for invoicing on the go.",
              ("noah",), ("kenji",), ("aisha",), ("grace",), "Mobile squad",
              ("app", "iPhone", "Android", "Face ID", "mobile"), ("mobile/**",)),
    _AreaSpec("Notifications", "Emails and in-app notifications we send to our users.",
              ("daniel",), (), ("lukas",), ("ravi",), "Platform squad",
              ("notification", "email", "alert", "digest"), ("services/notifications/**",)),
    _AreaSpec("Search", "Finding invoices, customers and payments from the search bar.",
              (), ("jonas",), ("lukas",), (), "Platform squad",
              ("search", "find", "lookup", "PO number"), ("services/search/**",)),
)

# =============================================================================
# Opportunities
# =============================================================================

# key, title, area path, status, description
OPPORTUNITIES: tuple[tuple[str, str, str, str, str], ...] = (
    ("export", "Bulk export of invoices and payments", "Reporting / Exports", "in_progress",
     ("Finance teams export everything for month-end close and audits, and today can only export one page at a "
     "time. Export all rows of any list to CSV or Excel, in the background, with an email when it is ready.")),
    ("instalments", "Partial payments and instalment plans", "Payments", "planned",
     ("Large invoices are often paid in parts. Let clients pay part of an invoice and let our customers offer "
     "instalment plans, with the balance shown on the invoice and in reminders.")),
    ("currency", "Multi-currency invoicing", "Billing / Invoices", "exploring",
     ("Customers selling abroad invoice in their clients' currency by running a second account. Explore one "
     "account, several invoice currencies, with exchange rates on the invoice and in reports.")),
    ("dunning", "Smarter dunning schedules", "Billing / Dunning", "shipped",
     ("Reminders went out on weekends and too often. Shipped: business-day-only sending, per-customer opt-out "
     "and an editable schedule per reminder step.")),
    ("xero", "Two-way Xero sync", "Integrations / Xero", "exploring",
     ("Payments recorded in Xero do not come back, so invoices get marked paid twice. Explore pulling payments "
     "and credit notes from Xero.")),
    ("dark-mode", "Dark mode in the mobile app", "Mobile app", "wont_do",
     ("A steady trickle of app reviews ask for dark mode. Not now: the app is being rebuilt on the new design "
     "system next year, which brings dark mode with it.")),
)

# The tracker ticket an opportunity is linked to: key -> (LEDGER number, its state as last read).
DEMO_TICKETS: dict[str, tuple[int, str]] = {"instalments": (812, "To Do"), "dunning": (640, "Done")}

# =============================================================================
# Feedback
# =============================================================================

FEEDBACK_DAYS = 90  # feedback arrived over this many days before now
OPPORTUNITY_LINKS = 30  # feedback items linked to an opportunity
# How the 400 feedback items divide, by the status a user sees ("snoozed_due" = snoozed,
# but the date has passed, so it is back in New).
STATUS_PLAN = {"new": 140, "snoozed": 28, "snoozed_due": 4, "processed": 144, "archived": 84}
IMPORTANCE_WEIGHTS = (("low", 30), ("medium", 40), ("high", 22), ("critical", 8))

CUSTOMERS: tuple[str, ...] = (
    "Acme Freight", "Brightwater Dental", "Copperleaf Studios", "Dunmore Logistics", "Evergreen Property Group",
    "Fjord Analytics", "Granite Peak Construction", "Harbor & Vine", "Ironbridge Legal", "Juniper Health Partners",
    "Kestrel Aviation Services", "Lumen Architects", "Maple & Moss Landscaping", "Northgate Wholesale",
    "Oakridge Veterinary", "Pinecrest Schools Trust", "Quayside Marine", "Redwood Accounting",
    "Saltbox Coffee Roasters", "Tidewater Plumbing", "Umber Print Co.", "Vantage Staffing", "Willow Creek Farms",
    "Yellowtail Events", "Zephyr Cleaning Co.", "Bluehaven Clinics", "Cedar & Stone Interiors", "Driftwood Media",
    "Emberline Fitness", "Foxglove Florists", "Glasshouse Agency", "Highline Couriers", "Inkwell Publishing",
    "Jadeport Imports", "Keystone Facilities", "Lakeshore Rentals", "Meridian Engineering", "Nimbus IT Services",
    "Café Lumière", "Müller & Söhne GmbH",
)
# Some customers write much more than others.
CUSTOMER_WEIGHTS = tuple(round(1 / (rank + 1) ** 0.6, 4) for rank in range(len(CUSTOMERS)))
CONTACT_FIRST = ("Dana", "Luis", "Chloe", "Samir", "Ingrid", "Kwame", "Olivia", "Mateo", "Yara", "Tom", "Nadia",
                 "Ben", "Zoe", "Arjun", "Freya", "Hugo", "Leila", "Pete", "Rosa", "Femi")
CONTACT_LAST = ("Li", "García", "Dubois", "Haddad", "Larsen", "Mensah", "Brooks", "Rossi", "Farouk", "Walsh",
                "Petrov", "Nakamura", "Osei", "Iyer", "Jensen", "Moreau", "Karimi", "Doyle", "Santos", "Adeyemi")

# Source -> (weight for ordinary topics, weight for mobile topics)
SOURCES: tuple[tuple[str, int, int], ...] = (
    ("support", 30, 10),
    ("intercom", 22, 8),
    ("customer call", 12, 2),
    ("sales call", 10, 2),
    ("NPS survey", 12, 6),
    ("twitter", 8, 10),
    ("app review", 0, 60),
)
# How a source's text tends to start ("" = no opener).
OPENERS: dict[str, tuple[str, ...]] = {
    "support": ("", "", "", "Hi team!", "Hello —", "[urgent]", "Hi there —", "Re: ticket #{ticket} —"),
    "intercom": ("", "", "hey!", "Hi!", "Quick question:"),
    "customer call": ("From the QBR:", "Customer call notes:", "On our monthly check-in:", "Raised on the call:"),
    "sales call": ("Prospect on the demo call:", "From the discovery call:", "Blocker for the deal:",
                   "Sales call notes:"),
    "NPS survey": ("[NPS {score}]", "[NPS {score}]", ""),
    "twitter": ("@NorthwindLedger", "hey @NorthwindLedger", "@NorthwindHelp"),
    "app review": ("", "", "★★☆☆☆", "★★★★☆", "3 stars:"),
}
# Ways customers lead into the same request, so one ask reads differently each time.
LEAD_INS: tuple[str, ...] = (
    "Small thing, but {ask}", "Big one for us: {ask}", "Not sure if this is known, but {ask}",
    "As mentioned before, {ask}", "Honestly, {ask}", "One thing that keeps coming up: {ask}", "FYI {ask}",
    "Following up again — {ask}", "{ask} (asking for our finance team)",
)
# Words that keep their capital after a lead-in.
KEEP_CAPITAL = ("I", "Apple", "Face", "QuickBooks", "Xero", "Salesforce", "SEPA", "ACH", "VAT", "API", "US", "CSV",
                "Northwind", "Okta", "Webhooks", "Dark")
# Generic follow-up sentences about why it matters.
REASONS: tuple[str, ...] = (
    "We send about {n} invoices a month, so this adds up.",
    "Our finance team hits this at every month-end close.",
    "Our auditors asked about it last quarter.",
    "Our renewal is in {month} and this is on the list.",
    "It costs us roughly {minutes} minutes every time.",
    "Two of my colleagues asked me about this just this week.",
    "We moved from {erp} last year and this worked there.",
    "It's the one thing our controller complains about.",
)
CLOSERS: tuple[str, ...] = (
    "Thanks!", "Thanks in advance 🙏", "see [screenshot]", "Happy to hop on a call if useful.",
    "Love the product otherwise <3", "This is a blocker for us.", "🙂", "Ref <TKT-{ticket}>",
    "Any ETA?", "Please advise.", "😤", "Cheers, keep up the good work 🚀", "(screenshot attached [image.png])",
)
FILL: dict[str, tuple[str, ...]] = {
    "n": ("40", "120", "300", "650", "1,200", "2,500"),
    "count": ("3", "4", "7", "12", "25"),
    "currency": ("EUR", "GBP", "CAD", "AUD", "CHF", "SEK"),
    "weekday": ("Monday", "Tuesday", "Friday"),
    "minutes": ("5", "10", "20", "45"),
    "seconds": ("8", "12", "20", "30+"),
    "days": ("3", "4", "5"),
    "pct": ("2", "2.5", "3"),
    "amount": ("€10,000", "$25,000", "£8,000"),
    "month": ("January", "February", "March", "April"),
    "erp": ("NetSuite", "Sage Intacct", "SAP Business One", "Excel"),
    "client": ("One of our biggest clients", "A hospital group we bill", "Our largest retail client"),
    "device": ("iPhone 15", "Pixel 8", "Galaxy S23", "iPad Air"),
    "browser": ("Chrome", "Safari", "Firefox", "Edge"),
}


@dataclass(frozen=True)
class _Topic:
    area: str | None  # area path; None for feedback that is about no area
    tags: tuple[str, ...]
    asks: tuple[str, ...]  # the first sentence: what the customer wants or hit
    details: tuple[str, ...] = ()
    opportunity: str | None = None  # OPPORTUNITIES key
    weight: int = 1
    mobile: bool = False  # app-store and social sources
    plain: bool = False  # praise and the like: no lead-in, no reason, no closer


TOPICS: tuple[_Topic, ...] = (
    # --- Billing / Invoices
    _Topic("Billing / Invoices", ("ux",), (
        "We need to send invoices in bulk instead of one by one.",
        "Is there a way to approve and send {count} invoices at once?",
        "Bulk-sending invoices would save our AR team hours every week.",
    ), ("Right now someone clicks through {n} invoices at month end.", "Our AR clerk spends most of {weekday} on it.")),
    _Topic("Billing / Invoices", ("ux",), (
        "Let us reset invoice numbering at the start of each fiscal year.",
        "We need a custom invoice number prefix per legal entity, like NW-2026-0001.",
    ), ("Our accountant insists on it.",)),
    _Topic("Billing / Invoices", ("pricing",), (
        "We invoice clients in {currency} and have to fake it with a second account.",
        "Please support multi-currency invoices, half our clients pay in {currency}.",
        "Can one account send invoices in both USD and {currency}?",
    ), ("Keeping two accounts in step is error-prone.", "The exchange rate should be printed on the invoice."),
        opportunity="currency", weight=3),
    _Topic("Billing / Invoices", ("bug",), (
        "Editing a sent invoice silently changes the PDF the client already has.",
        "After I fixed a typo on a sent invoice the client's link showed different totals.",
    ), ("That is a compliance problem for us.",)),
    _Topic("Billing / Invoices", ("performance",), (
        "The invoice list takes {seconds} seconds to load with a year of data.",
        "Opening the invoices page is painfully slow in {browser}.",
    ), ("It used to be instant.",)),
    # --- Tax
    _Topic("Billing / Invoices / Tax", ("tax", "bug"), (
        "VAT is rounded per line instead of per invoice, so totals are off by a cent.",
        "Our accountant flagged a 1-cent VAT difference on {count} invoices this month.",
    ), ("Our {erp} totals never match because of it.",)),
    _Topic("Billing / Invoices / Tax", ("tax",), (
        "We need reverse-charge VAT wording for EU B2B customers.",
        "Please add a reverse charge option, our German clients keep rejecting invoices.",
    )),
    _Topic("Billing / Invoices / Tax", ("tax",), (
        "Can you calculate US sales tax per state automatically?",
        "Sales tax for the states where we have nexus is missing.",
    ), ("We currently look rates up by hand.",)),
    # --- Templates & PDFs
    _Topic("Billing / Invoices / Templates & PDFs", ("ux",), (
        "Let us put our logo in the PDF header at a decent size.",
        "The PDF logo gets squashed to a tiny thumbnail.",
    ), ("Clients think the invoice looks unprofessional.",)),
    _Topic("Billing / Invoices / Templates & PDFs", ("bug",), (
        "The invoice PDF splits line items across pages mid-row.",
        "Long line descriptions overflow the PDF table.",
    )),
    _Topic("Billing / Invoices / Templates & PDFs", ("bug",), (
        "Our notes field strips anything in <angle brackets>, so PO refs like <PO-{ticket}> vanish from the PDF.",
        "Text in [square brackets] disappears from the invoice notes, e.g. [PO 4471].",
    )),
    # --- Credit notes
    _Topic("Billing / Credit notes", ("ux",), (
        "Issuing a partial credit note takes way too many clicks.",
        "We need to credit a single line item without cancelling the whole invoice.",
    ), ("Support does about {count} of these a week.",)),
    _Topic("Billing / Credit notes", ("integration",), (
        "Credit notes don't sync to {erp}, only invoices do.",
    )),
    # --- Recurring billing
    _Topic("Billing / Recurring billing", ("pricing",), (
        "Proration when a client upgrades mid-month is confusing.",
        "Mid-cycle plan changes create two invoices instead of one prorated one.",
    ), ("Our clients call us to ask what they are paying for.",)),
    _Topic("Billing / Recurring billing", ("ux",), (
        "Let us pause a subscription instead of cancelling it.",
        "Seasonal clients need to pause recurring invoices for a few months.",
    )),
    # --- Dunning
    _Topic("Billing / Dunning", ("notifications",), (
        "Payment reminders go out on weekends, which annoys our clients.",
        "Can we choose which days reminder emails are sent?",
        "The reminder schedule is too aggressive: 3 emails in 5 days.",
    ), ("{client} complained about it.",), opportunity="dunning", weight=3),
    _Topic("Billing / Dunning", ("notifications",), (
        "Let us exclude specific customers from automatic reminders.",
        "There is no per-customer switch to stop automated reminders.",
    ), ("{client} asked us to stop them.",), opportunity="dunning"),
    # --- Payments
    _Topic("Payments", ("payments",), (
        "Customers want to pay an invoice in instalments.",
        "Let clients pay part of an invoice now and the rest later.",
        "We need payment plans for large invoices over {amount}.",
    ), ("Right now we split invoices by hand, which breaks our reporting.",), opportunity="instalments", weight=3),
    _Topic("Payments / Card payments", ("payments", "bug"), (
        "Card payments fail for some EU cards with a 3-D Secure error.",
        "Clients get 'authentication failed' when paying by card with 3DS.",
    ), ("We lost a {amount} payment to this.",), weight=2),
    _Topic("Payments / Card payments", ("payments", "pricing"), (
        "Please let us pass the card fee on to the client.",
        "Can we add a card surcharge of {pct}% on card payments?",
    )),
    _Topic("Payments / Card payments", ("payments", "mobile"), (
        "Apple Pay on the payment page please!",
        "Our clients expect Apple Pay and Google Pay at checkout.",
    )),
    _Topic("Payments / Bank transfers", ("payments",), (
        "Setting up SEPA direct debit mandates is hard for our clients.",
        "The direct-debit mandate form confuses clients.",
    )),
    _Topic("Payments / Bank transfers", ("payments", "performance"), (
        "ACH payments take {days} days to show as paid.",
        "Bank transfers stay 'pending' for days after the money arrived.",
    )),
    _Topic("Payments / Reconciliation", ("payments", "reporting"), (
        "Payouts don't show which invoices they include, so reconciling takes forever.",
        "Please show the invoice breakdown for each payout.",
    ), ("Reconciling one payout takes us {minutes} minutes.",), weight=2),
    _Topic("Payments / Reconciliation", ("payments", "bug"), (
        "Bank feed matching marks the wrong invoice as paid when two amounts are equal.",
    )),
    # --- Reporting
    _Topic("Reporting / Dashboards", ("reporting", "bug"), (
        "The revenue dashboard doesn't match our {erp} numbers.",
        "Dashboard revenue is off compared with our general ledger.",
    )),
    _Topic("Reporting / Dashboards", ("reporting",), (
        "Add an aged receivables chart (30/60/90 days) to the dashboard.",
        "We'd love to see DSO on the dashboard.",
    )),
    _Topic("Reporting / Dashboards", ("performance", "reporting"), (
        "The dashboard is very slow for accounts with lots of customers.",
        "Dashboards time out when I pick 'last 12 months'.",
    )),
    _Topic("Reporting / Exports", ("export",), (
        "Please let us export all invoices to Excel in one go.",
        "We need a CSV export of every payment for our auditors.",
        "Export only gives us the current page, we need everything.",
    ), ("Copying {count} pages by hand is not an option.", "Our year-end audit depends on it."),
        opportunity="export", weight=4),
    _Topic("Reporting / Exports", ("export", "bug"), (
        "The exported CSV breaks special characters (ä, é, ø) in Excel.",
        "Customer names with accents come out garbled in the CSV export.",
    )),
    _Topic("Reporting / Exports", ("export",), (
        "Schedule a monthly export to email or SFTP.",
    ), opportunity="export"),
    # --- Integrations
    _Topic("Integrations / QuickBooks", ("integration", "bug"), (
        "QuickBooks sync creates duplicate customers.",
        "Every sync with QuickBooks adds another copy of some customers.",
    ), ("We have {count} duplicates to clean up now.",), weight=2),
    _Topic("Integrations / QuickBooks", ("integration", "tax"), (
        "Tax codes don't map to QuickBooks correctly.",
    )),
    _Topic("Integrations / Xero", ("integration",), (
        "Payments recorded in Xero don't come back to Northwind.",
        "We need two-way sync with Xero; right now we mark invoices paid twice.",
    ), ("Our bookkeeper works in Xero only.",), opportunity="xero", weight=2),
    _Topic("Integrations / Xero", ("integration", "bug"), (
        "The Xero connection drops every few weeks and we have to reconnect.",
    )),
    _Topic("Integrations / Salesforce", ("integration",), (
        "Create invoices from Salesforce opportunities when they close.",
        "Our sales team wants to see invoice status on the Salesforce account.",
    )),
    _Topic("API & webhooks", ("api", "bug"), (
        "Webhooks for invoice.paid sometimes arrive twice.",
        "We get duplicate payment webhooks a few times a week.",
    )),
    _Topic("API & webhooks", ("api", "performance"), (
        "The API rate limit of 100 requests a minute is too low for our nightly sync.",
    )),
    _Topic("API & webhooks", ("api",), (
        "Please document the webhook retry policy.",
        "What happens when our webhook endpoint is down for an hour?",
    )),
    # --- Admin & permissions
    _Topic("Admin & permissions / Roles", ("permissions",), (
        "We need a read-only role for our external accountant.",
        "Let us give the auditor view-only access.",
    ), ("Sharing an admin login is not OK for us.",), weight=2),
    _Topic("Admin & permissions / Roles", ("permissions",), (
        "Approvers should only see invoices for their own department.",
    )),
    _Topic("Admin & permissions", ("permissions",), (
        "Please support SSO with Okta.",
        "Our IT team requires SAML single sign-on with Azure AD.",
    )),
    _Topic("Admin & permissions / Audit log", ("permissions",), (
        "Who changed this invoice? The audit log doesn't say.",
        "The audit log needs to show before and after values.",
    )),
    # --- Onboarding
    _Topic("Onboarding", ("onboarding", "ux"), (
        "Setting up our first invoice template took an hour; a guided setup would help.",
        "The trial setup asks for too much before we can send a test invoice.",
    )),
    _Topic("Onboarding", ("onboarding", "bug"), (
        "The welcome checklist keeps reappearing after we finished it.",
    )),
    _Topic("Onboarding / Data import", ("onboarding", "bug"), (
        "Importing customers from CSV fails without saying which row is wrong.",
        "The customer import just says 'invalid file' with no details.",
    )),
    _Topic("Onboarding / Data import", ("onboarding",), (
        "Let us import open invoices from our old system.",
    )),
    # --- Mobile app
    _Topic("Mobile app", ("mobile", "ux"), (
        "Dark mode in the app please 🌙",
        "The app is blinding at night, any chance of dark mode?",
    ), opportunity="dark-mode", weight=2, mobile=True),
    _Topic("Mobile app", ("mobile", "bug"), (
        "The app logs me out every day.",
        "Face ID login doesn't stick, I have to type my password every time.",
    ), weight=2, mobile=True),
    _Topic("Mobile app", ("mobile",), (
        "Let me send an invoice from my phone right after a job.",
    ), mobile=True),
    _Topic("Mobile app", ("mobile", "bug"), (
        "The app crashes on my {device} when I open an invoice with many line items.",
    ), mobile=True),
    # --- Notifications, search
    _Topic("Notifications", ("notifications",), (
        "Notify me when a client opens an invoice.",
        "An alert when an invoice is viewed would help us follow up.",
    )),
    _Topic("Notifications", ("notifications", "ux"), (
        "Too many emails, let me pick which notifications I get.",
    )),
    _Topic("Search", ("search",), (
        "Search doesn't find invoices by PO number.",
        "I can't search by the PO reference on an invoice.",
    )),
    _Topic("Search", ("search", "bug"), (
        "Searching for a customer with an apostrophe (O'Brien) returns nothing.",
    )),
    # --- Not about any one area
    _Topic(None, ("pricing",), (
        "The jump from the Team plan to the Business plan is too steep for us.",
        "We only need SSO, and it forces us onto the most expensive plan.",
    )),
    _Topic(None, (), (
        "Love how fast invoicing is now 🚀",
        "Support was super helpful today, thank you!",
        "Best invoicing tool we've used, honestly.",
    ), plain=True),
)

# Hand-written long items: area, tags, source, status, text.
LONG_FEEDBACK: tuple[tuple[str | None, tuple[str, ...], str, str, str], ...] = (
    ("Payments / Reconciliation", ("payments", "reporting"), "customer call", "processed",
     ("Month-end close takes our team three days and most of it is reconciliation. "
     "Payouts arrive as one lump sum, and we then have to work out which of roughly 400 invoices it covers, "
     "minus card fees, minus the odd refund.\n\n"
     "What we'd need: a payout report that lists every invoice and fee in it, exportable, ideally pushed to "
     "NetSuite. If that existed we would move our second entity over too.")),
    ("Billing / Invoices / Tax", ("tax", "bug"), "support", "new",
     ("[urgent] We just got a letter from the tax office about our Q3 VAT return. "
     "The VAT report in Northwind shows €48,212.40 but the sum of the invoices is €48,212.37. "
     "I think it's the per-line rounding again (see ticket from August). "
     "We need a fix or at least a report that shows the rounding per invoice, before the 10th please.")),
    ("Reporting / Exports", ("export",), "sales call", "processed",
     ("Prospect (120-person logistics company, evaluating us against two competitors) asked three times "
     "about exports. Their auditors want every invoice, credit note and payment for the fiscal year as one "
     "spreadsheet, and today we make them page through 50 rows at a time.\n"
     "They said this is a hard requirement for signing in Q1. See [call recording] in Gong.")),
    ("Mobile app", ("mobile", "bug"), "app review", "archived",
     ("★☆☆☆☆ Used to love this app. Since the last update it logs me out every single time I switch apps, "
     "Face ID never works, and when I finally get in the invoice I was writing is gone. "
     "I'm a plumber, I send invoices from the van between jobs, I don't have time for this 😤😤")),
    ("Integrations / Xero", ("integration",), "customer call", "snoozed",
     ("Our bookkeeper lives in Xero and our account managers live in Northwind. "
     "When a client pays by bank transfer the bookkeeper marks it paid in Xero, but Northwind keeps sending "
     "reminders because it never hears about it. Last month that meant a <very> awkward call with our "
     "biggest client. Two-way sync, or even a nightly pull of payments from Xero, would fix this for us.")),
)

# Near-duplicate pairs: area, tags, opportunity key, first text, second text (another customer, later).
# The first three pairs were already merged in triage (second merged into first).
DUPLICATE_PAIRS: tuple[tuple[str, tuple[str, ...], str | None, str, str], ...] = (
    ("Reporting / Exports", ("export",), "export",
     "Please add an option to export all invoices to Excel in one go.",
     "Could you add a way to export all our invoices to Excel at once?"),
    ("Billing / Dunning", ("notifications",), "dunning",
     "Payment reminders should not be sent on Saturdays and Sundays.",
     "Please stop sending payment reminders on Saturday and Sunday."),
    ("Integrations / QuickBooks", ("integration", "bug"), None,
     "QuickBooks sync keeps creating duplicate customers for us.",
     "The QuickBooks sync keeps creating duplicate customer records."),
    ("Admin & permissions / Roles", ("permissions",), None,
     "We need a read-only role so our external accountant can see invoices.",
     "Need a read only role for our external accountant to view invoices."),
    ("Payments / Card payments", ("payments", "bug"), None,
     "Card payments with 3-D Secure fail for some of our clients in Germany.",
     "Some German clients' card payments fail at the 3-D Secure step."),
    ("Mobile app", ("mobile", "bug"), None,
     "The mobile app logs me out every time I switch apps.",
     "Mobile app logs me out whenever I switch to another app."),
)
# (first item's status, second item's status, first's age range in days, gap to the second in days)
DUPLICATE_TIMING: tuple[tuple[str, str, tuple[int, int], tuple[int, int]], ...] = (
    ("processed", "archived", (30, 60), (2, 8)),
    ("processed", "archived", (40, 70), (3, 10)),
    ("processed", "archived", (20, 45), (1, 6)),
    ("new", "new", (4, 6), (1, 3)),
    ("processed", "new", (15, 30), (12, 25)),
    ("new", "new", (9, 12), (5, 8)),
)

# =============================================================================
# Retros and action items
# =============================================================================

# The finished retro: two weeks ago, Billing squad, Start/Stop/Continue.
FINISHED_RETRO = {
    "title": "Billing squad — sprint 46 retro",
    "team": "Billing squad",
    "template": "Start/Stop/Continue",
    "columns": ["Start", "Stop", "Continue"],
    "facilitator": "Amara Nwosu",
    "participants": ["Priya Raman", "Tomás Herrera", "Aisha Rahman", "Oliver Grant", "Amara Nwosu"],
    "area": "Billing",
}
# column, text, author ("" = anonymous), group number or None, votes {participant: n}
FINISHED_CARDS: tuple[tuple[str, str, str, int | None, dict[str, int]], ...] = (
    ("Start", "Writing the release note while the PR is still open", "Priya Raman", 1, {}),
    ("Start", "Pairing with support on the top 5 invoice tickets each sprint", "", 2, {}),
    ("Start", "Demoing tax changes to CS before they ship", "Aisha Rahman", 2, {}),
    ("Start", "Time-boxing spikes to two days", "Tomás Herrera", None, {"Tomás Herrera": 1, "Oliver Grant": 1}),
    ("Stop", "Merging on Friday afternoons", "", 1, {}),
    ("Stop", "Changing the PDF template without telling support", "", 2, {}),
    ("Stop", "Skipping design review for 'small' UI changes", "Aisha Rahman", None, {"Aisha Rahman": 1}),
    ("Stop", "Letting the flaky tax-rate test block the pipeline", "Oliver Grant", 1, {}),
    ("Continue", "Daily 10-minute triage of new feedback", "Priya Raman", 3, {}),
    ("Continue", "Customer quotes in sprint review", "", 3, {}),
    ("Continue", "The [WIP] label on draft PRs, it really helps", "Tomás Herrera", None, {}),
    ("Continue", "Celebrating the dunning launch 🎉", "Amara Nwosu", None, {"Amara Nwosu": 1}),
)
# number, title, votes, notes
FINISHED_GROUPS: tuple[tuple[int, str, dict[str, int], str], ...] = (
    (1, "Release hygiene", {"Priya Raman": 1, "Tomás Herrera": 2, "Oliver Grant": 2, "Amara Nwosu": 1},
     "No merges after 15:00 on Fridays. Quarantine the flaky tax-rate test this week; Tomás owns the fix."),
    (2, "Talk to support earlier", {"Priya Raman": 1, "Aisha Rahman": 2, "Amara Nwosu": 1},
     "Support joins sprint review. PDF template changes get announced in #team-billing and #support first."),
    (3, "Keep the triage habit", {"Priya Raman": 1},
     "Working well: inbox at zero most days. Bring 2-3 customer quotes to every review."),
)
# text, owners (people keys), topic, due (days from now; None = no due date), status, done/dropped days ago
FINISHED_ACTIONS: tuple[tuple[str, tuple[str, ...], str, int | None, str, int | None], ...] = (
    ("Quarantine the flaky tax-rate test and open a ticket to fix it", ("tomas",), "Release hygiene",
     -5, "open", None),
    ("Write a one-page guide to PDF template changes and share it with support", ("priya", "aisha"),
     "Talk to support earlier", -2, "open", None),
    ("Invite a support engineer to every sprint review", ("priya",), "Talk to support earlier", 2, "open", None),
    ("Add the no-merge-after-15:00-on-Friday rule to the team README", ("tomas",), "Release hygiene",
     -10, "done", 12),
    ("Generate the release-note draft from PR labels", ("oliver",), "Release hygiene", -3, "dropped", 9),
    ("Bring customer quotes from triage to every sprint review", ("priya",), "Keep the triage habit",
     None, "open", None),
)

# The retro in progress today: Payments squad, Mad/Sad/Glad, still reflecting.
LIVE_RETRO = {
    "title": "Payments squad — sprint 47 retro",
    "team": "Payments squad",
    "template": "Mad/Sad/Glad",
    "columns": ["Mad", "Sad", "Glad"],
    "facilitator": "Amara Nwosu",
    "participants": ["Sofia Lindqvist", "Mei Chen", "Aisha Rahman", "Grace O'Connell", "Amara Nwosu"],
    "area": "Payments",
}
# column, text, author, hidden
LIVE_CARDS: tuple[tuple[str, str, str, bool], ...] = (
    ("Glad", "3DS failure rate down from 4% to 1.2% after the fix", "Mei Chen", False),
    ("Mad", "Third on-call page this sprint for the payout job", "", False),
    ("Sad", "Instalments slipped again because of the card-provider migration", "Sofia Lindqvist", True),
    ("Glad", "CS got the reconciliation preview a week early", "Grace O'Connell", True),
    ("Mad", "Nobody owns the <payout-report> cron job", "", True),
)

# =============================================================================
# Checklists
# =============================================================================

# name, description, recurrence ("weekly-mo", "biweekly-th" or None), team, steps ((text, why), ...)
CHECKLISTS: tuple[tuple[str, str, str | None, str, tuple[tuple[str, str], ...]], ...] = (
    ("Definition of done", "What every story meets before we call it done.", None, "", (
        ("Acceptance criteria met and demoed to the PM", "Done means the problem is solved, not the code merged."),
        ("Tests cover the change, including the unhappy path", "Bugs in billing cost customers money."),
        ("Feature flag and rollback plan in place", "We can turn it off faster than we can fix it."),
        ("Docs and help-centre article updated", "Support answers from the help centre."),
        ("Analytics events added and checked", "We can't learn from what we don't measure."),
        ("Accessibility checked (keyboard, contrast)", "Finance teams include people with every kind of need."),
        ("Feedback items it addresses are linked and processed", "Closes the loop with the customers who asked."),
    )),
    ("Release readiness", "Before every fortnightly release train.", "biweekly-th", "", (
        ("Release notes drafted and reviewed", "Customers and support learn what changed from them."),
        ("Support and CS briefed", "No surprises in the support queue on release day."),
        ("Migrations rehearsed on a copy of production", "A failed migration at 09:00 stops invoicing."),
        ("Feature flags set for the rollout plan", "Gradual rollout limits the blast radius."),
        ("On-call engineer named for release day", "Someone owns the pager when it goes wrong."),
        ("Monitoring dashboards and alerts checked", "We notice problems before customers do."),
        ("Go/no-go confirmed in #releases", "One visible decision, one owner."),
    )),
    ("Launch checklist", "For launches customers will notice: pricing, new modules, big UX changes.", None, "", (
        ("Launch goal and success metric written down", "We know afterwards whether it worked."),
        ("Pricing and packaging signed off", "Sales must know what to sell on day one."),
        ("Sales and CS enablement session held", "The field explains it better than a changelog."),
        ("Help-centre articles and in-app guides published", "Users find answers without a ticket."),
        ("Marketing announcement scheduled", "Launch day is a moment; plan it."),
        ("Beta customers thanked and told first", "They helped build it."),
        ("Rollback plan and owner agreed", "A launch can go wrong in public."),
        ("Post-launch review booked for two weeks later", "Learning is part of the launch."),
    )),
    ("PM weekly hygiene", "Every Monday: keep the inbox, roadmap and commitments honest.", "weekly-mo", "Product", (
        ("Inbox triaged to zero (or snoozed with a reason)", "Customers deserve an answer within a week."),
        ("Stale feedback older than 7 days reviewed", "Old feedback is where trust goes to die."),
        ("Opportunities updated with new evidence", "The roadmap follows the evidence."),
        ("Open retro action items checked with owners", "Actions without follow-up are wishes."),
        ("Area owners and maintainers still correct", "Questions must reach a person who is still here."),
        ("Top three customer quotes shared in #product", "Everyone should hear the customer's words."),
    )),
    ("New PM onboarding", "The first two weeks of a product manager at Northwind Ledger.", None, "Product", (
        ("Meet the area's engineering lead and designer", "Trust first, roadmap second."),
        ("Read the last 90 days of feedback for your areas", "Learn what customers already told us."),
        ("Shadow three support calls", "Hear the problems in the customers' own words."),
        ("Join a customer call with CS", "See how customers actually use the product."),
        ("Review the area's docs, glossary and code paths", "Speak the language of the area."),
        ("Take over the area's open opportunities", "Nothing falls between two PMs."),
        ("Run the PM weekly hygiene checklist once", "Learn the rhythm of the team."),
    )),
)
WEEKLY_MONDAY = "RRULE:FREQ=WEEKLY;BYDAY=MO"
FORTNIGHTLY_THURSDAY = "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH"

# =============================================================================
# The fill
# =============================================================================


class WorkspaceNotEmpty(ProdopsError, ValueError):
    """The demo fills only an empty workspace."""


@dataclass
class DemoSummary:
    """How many records of each kind the demo wrote."""

    areas: int = 0
    people: int = 0
    feedback: int = 0
    opportunities: int = 0
    retros: int = 0
    actions: int = 0
    checklists: int = 0
    checklist_runs: int = 0

    def describe(self) -> str:
        """'27 areas, 16 people, 400 feedback items, …' for the CLI."""
        parts = [
            plural(self.areas, "area"),
            plural(self.people, "person", "people"),
            plural(self.feedback, "feedback item"),
            plural(self.opportunities, "opportunity", "opportunities"),
            plural(self.retros, "retro"),
            plural(self.actions, "action item"),
            plural(self.checklists, "checklist"),
            plural(self.checklist_runs, "checklist run"),
        ]
        return ", ".join(parts[:-1]) + " and " + parts[-1]


def fill_demo(store: Store, *, now: datetime, seed: int = 2026) -> DemoSummary:
    """Fill an EMPTY workspace with the Northwind Ledger demo organisation.

    Deterministic for the same `now`, seed and store clock. Writes a handful of
    changes with history off, so the user's undo stack stays empty. Raises
    WorkspaceNotEmpty (a ValueError) if the store already holds feedback or areas."""
    if store.count(FeedbackItem) or store.count(ProductArea):
        raise WorkspaceNotEmpty(f"{store.directory} already holds data; the demo fills only an empty workspace")
    if now.tzinfo is None:
        raise ValueError("fill_demo needs an aware datetime for now")
    now = now.astimezone(timezone.utc).replace(microsecond=0)

    people = _add_people(store, now)
    areas = _add_areas(store, now, people)
    _add_codeowners(store, now, people, areas)
    opportunities = _add_opportunities(store, now, areas, random.Random(f"{seed}:opportunities"))
    feedback = _add_feedback(store, now, areas, opportunities, random.Random(f"{seed}:feedback"))
    retros, actions = _add_retros(store, now, people, areas)
    checklists, runs = _add_checklists(store, now)
    return DemoSummary(
        areas=len(areas),
        people=len(people),
        feedback=feedback,
        opportunities=len(opportunities),
        retros=retros,
        actions=actions,
        checklists=checklists,
        checklist_runs=runs,
    )


# --- helpers -----------------------------------------------------------------


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    """That day at hour:minute UTC."""
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _setup_time(now: datetime, index: int) -> str:
    """When the workspace was set up, 120 days ago: one record a minute."""
    return to_iso(_at(now - timedelta(days=120), 10) + timedelta(minutes=index))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _email(name: str) -> str:
    first, _, last = name.partition(" ")
    return f"{_slug(first).replace('-', '')}.{_slug(last).replace('-', '')}@{EMAIL_DOMAIN}"


def _title(sentence: str, width: int = 80) -> str:
    """A title from the first sentence: no final full stop, at most `width` characters."""
    first = re.split(r"(?<=[.!?])\s", sentence.strip(), maxsplit=1)[0].rstrip(".")
    if len(first) <= width:
        return first
    return first[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


# --- people, areas, opportunities -------------------------------------------


def _add_people(store: Store, now: datetime) -> dict[str, Person]:
    """People by key (handle without @)."""
    people: dict[str, Person] = {}
    with store.change("demo: people", origin=ORIGIN, history=False) as tx:
        for index, (key, name, team, role, left_days) in enumerate(PEOPLE):
            person = Person(
                name=name,
                handle=f"@{key}",
                email=_email(name),
                team=team,
                role=role,
                active=left_days is None,
                left_at=to_iso(_at(now - timedelta(days=left_days), 17)) if left_days is not None else None,
                created_at=_setup_time(now, index),
            )
            people[key] = tx.add(person)
    return people


def _add_areas(store: Store, now: datetime, people: dict[str, Person]) -> dict[str, ProductArea]:
    """Areas by path."""
    areas: dict[str, ProductArea] = {}

    def ids(keys: tuple[str, ...]) -> list[str]:
        return [people[key].id for key in keys]

    with store.change("demo: product areas", origin=ORIGIN, history=False) as tx:
        for index, spec in enumerate(AREAS):
            parent_path, _, name = spec.path.rpartition(" / ")
            area = ProductArea(
                name=name,
                parent=areas[parent_path].id if parent_path else None,
                description=spec.description,
                owners=ids(spec.owners),
                maintainers=ids(spec.maintainers),
                designers=ids(spec.designers),
                influencers=ids(spec.influencers),
                team=spec.team,
                channel=TEAM_CHANNELS[spec.team],
                docs=[f"{WIKI}/product/{'/'.join(_slug(part) for part in spec.path.split(' / '))}"],
                glossary=list(spec.glossary),
                code_paths=list(spec.code_paths),
                created_at=_setup_time(now, 30 + index),
            )
            areas[spec.path] = tx.add(area)
    return areas


def _add_codeowners(store: Store, now: datetime, people: dict[str, Person], areas: dict[str, ProductArea]) -> None:
    """The repository's .github/CODEOWNERS, as an import would keep it: a default reviewer, then each
    area's code reviewed by its maintainers (its owners where it has none), parents before children
    so the more specific rule comes later and wins."""
    rules = [CodeOwnersRule(pattern="*", owners=["@jonas"], line=2)]
    line = 3
    for spec in AREAS:
        reviewers = [people[key].handle for key in (spec.maintainers or spec.owners)]
        for pattern in spec.code_paths:
            line += 1
            rules.append(CodeOwnersRule(pattern=f"/{pattern}", owners=reviewers, line=line, area=areas[spec.path].id))
    with store.change("demo: CODEOWNERS", origin=ORIGIN, history=False) as tx:
        tx.add(CodeOwnersFile(name=".github/CODEOWNERS", flavor="github", rules=rules, created_at=_setup_time(now, 29)))


def _add_opportunities(
    store: Store, now: datetime, areas: dict[str, ProductArea], rng: random.Random
) -> dict[str, Opportunity]:
    """Opportunities by key."""
    opportunities: dict[str, Opportunity] = {}
    with store.change("demo: opportunities", origin=ORIGIN, history=False) as tx:
        for key, title, area_path, status, description in OPPORTUNITIES:
            created = now - timedelta(days=rng.randint(80, 88), hours=rng.randint(0, 8))
            decided = None
            if status != "exploring":
                decided = to_iso(now - timedelta(days=rng.randint(5, 40), hours=rng.randint(0, 8)))
            opportunities[key] = tx.add(Opportunity(
                title=title,
                description=description,
                status=status,
                area=areas[area_path].id,
                decided_at=decided,
                shipped_at=decided if status == "shipped" else None,
                links=_demo_links(key, decided),
                created_at=to_iso(created),
            ))
    return opportunities


def _demo_links(key: str, decided: str | None) -> list[TrackerLink]:
    """The engineering tickets two opportunities reached, on the demo company's own Jira (an
    .example host: nothing ever asks it), so the roadmap figures have something to count."""
    ticket = DEMO_TICKETS.get(key)
    if ticket is None:
        return []
    number, state = ticket
    return [TrackerLink(url=f"https://jira.northwind.example/browse/LEDGER-{number}", tracker="jira",
                        key=f"LEDGER-{number}", upstream_state=state, checked_at=decided or "",
                        linked_at=decided or "", linked_by="Priya Raman")]


# --- feedback ----------------------------------------------------------------


@dataclass
class _Draft:
    """A feedback item before it has an id, and what links it to others."""

    item: FeedbackItem
    view_status: str  # a STATUS_PLAN key
    opportunity: str | None = None  # OPPORTUNITIES key this item may be linked to
    linked: bool = False
    merge_into: _Draft | None = None
    record: FeedbackItem | None = field(default=None, repr=False)


def _add_feedback(
    store: Store,
    now: datetime,
    areas: dict[str, ProductArea],
    opportunities: dict[str, Opportunity],
    rng: random.Random,
) -> int:
    """Write the feedback in one change, oldest first; merge the seeded duplicates. Returns the count."""
    drafts = _fixed_drafts(rng, now)
    remaining = dict(STATUS_PLAN)
    for draft in drafts:
        remaining[draft.view_status] -= 1
    plan = [status for status, count in remaining.items() for _ in range(count)]
    rng.shuffle(plan)
    drafts += [_generated_draft(rng, now, status) for status in plan]
    _choose_links(rng, drafts, opportunities)
    drafts.sort(key=lambda d: d.item.received_at)  # stable: ids grow with the date received

    with store.change("demo: feedback", origin=ORIGIN, history=False) as tx:
        for draft in drafts:
            item = draft.item
            area_id = areas[item.area].id if item.area else None  # drafts carry the area path until here
            # Only a draft with an opportunity is ever linked (_choose_links, _fixed_drafts).
            opportunity_id = opportunities[draft.opportunity].id if draft.linked and draft.opportunity else None
            draft.record = tx.add(replace(item, area=area_id, opportunity=opportunity_id))
        for draft in drafts:
            if draft.merge_into is not None:
                survivor, merged = draft.merge_into.record, draft.record
                assert survivor is not None and merged is not None
                tx.put(replace(merged, duplicate_of=survivor.id))
                survivor = replace(survivor, merged_from=[*survivor.merged_from, merged.id])
                draft.merge_into.record = tx.put(survivor)
    return len(drafts)


def _customer(rng: random.Random) -> str:
    """A customer company (the first ones in the list are chattier), sometimes with the person."""
    index = rng.choices(range(len(CUSTOMERS)), weights=CUSTOMER_WEIGHTS)[0]
    company = CUSTOMERS[index]
    if rng.random() < 0.4:
        contact = rng.randrange(2)  # each company has two people who write to us
        first = CONTACT_FIRST[(index + 7 * contact) % len(CONTACT_FIRST)]
        last = CONTACT_LAST[(3 * index + 11 * contact + 5 * (index // 20)) % len(CONTACT_LAST)]  # 80 distinct names
        return f"{first} {last} ({company})"
    return company


def _source(rng: random.Random, mobile: bool) -> str:
    names = [name for name, _, _ in SOURCES]
    weights = [mobile_weight if mobile else weight for _, weight, mobile_weight in SOURCES]
    return rng.choices(names, weights=weights)[0]


def _fill(rng: random.Random) -> dict[str, str]:
    values = {name: rng.choice(options) for name, options in FILL.items()}
    values["ticket"] = str(rng.randint(40000, 49999))
    values["score"] = str(rng.choice((2, 4, 5, 6, 6, 7, 7, 8, 9, 10)))
    return values


def _lead_in(pattern: str, ask: str) -> str:
    """'Feature request: we need…' from 'We need…'."""
    first_word = ask.split(" ", 1)[0]
    if not pattern.startswith("{ask}") and first_word not in KEEP_CAPITAL:
        ask = ask[0].lower() + ask[1:]
    if pattern.endswith(")"):
        ask = ask.rstrip(".!?")
    return pattern.format(ask=ask)


def _compose(rng: random.Random, topic: _Topic, source: str) -> tuple[str, str, dict[str, str]]:
    """Text and title of one item: [opener] ask [detail] [reason] [closer]."""
    values = _fill(rng)
    ask = rng.choice(topic.asks).format_map(values)
    sentences = [ask]
    if not topic.plain:
        if rng.random() < 0.35:
            sentences = [_lead_in(rng.choice(LEAD_INS), ask)]
        if topic.details and rng.random() < 0.5:
            sentences.append(rng.choice(topic.details).format_map(values))
        if rng.random() < 0.3:
            sentences.append(rng.choice(REASONS).format_map(values))
        if rng.random() < 0.35:
            sentences.append(rng.choice(CLOSERS).format_map(values))
    opener = rng.choice(OPENERS[source]).format_map(values)
    return " ".join([opener, *sentences] if opener else sentences), _title(sentences[0]), values


def _age(rng: random.Random, status: str) -> timedelta:
    """How long ago an item in this view status was received."""
    hour = 3600
    day = 24 * hour
    if status == "new":
        roll = rng.random()
        if roll < 0.1:
            return timedelta(seconds=rng.randint(10 * 60, 6 * hour))  # today
        if roll < 0.72:
            return timedelta(seconds=rng.randint(6 * hour, 6 * day + 12 * hour))
        return timedelta(seconds=rng.randint(8 * day, 75 * day))  # stale
    if status == "snoozed":
        return timedelta(seconds=rng.randint(2 * day, 40 * day))
    if status == "snoozed_due":
        return timedelta(seconds=rng.randint(10 * day, 40 * day))
    return timedelta(seconds=rng.randint(3 * hour, (FEEDBACK_DAYS - 1) * day))


def _triage(rng: random.Random, now: datetime, item: FeedbackItem, status: str, tags: tuple[str, ...]) -> FeedbackItem:
    """Set the status and the triage fields an item in this view status would have."""
    received = datetime.strptime(item.received_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    levels = [level for level, _ in IMPORTANCE_WEIGHTS]
    weights = [weight for _, weight in IMPORTANCE_WEIGHTS]
    importance = rng.choices(levels, weights=weights)[0]
    picked_tags = list(tags[: rng.randint(1, len(tags))]) if tags else []
    if status in ("processed", "archived"):
        span = int((now - received).total_seconds())
        triaged = received + timedelta(seconds=min(span, rng.randint(15 * 60, 6 * 24 * 3600)))
        keep_area = rng.random() < (0.95 if status == "processed" else 0.8)
        return replace(item, status=status, triaged_at=to_iso(triaged), importance=importance, tags=picked_tags,
                       area=item.area if keep_area else None)
    snoozed_until = None
    if status == "snoozed":
        snoozed_until = to_iso(_at(now + timedelta(days=rng.randint(1, 21)), 9))
    elif status == "snoozed_due":
        snoozed_until = to_iso(_at(now - timedelta(days=rng.randint(1, 4)), 9))
    rated = rng.random() < (0.5 if snoozed_until else 0.35)
    return replace(
        item,
        status="new",
        snoozed_until=snoozed_until,
        importance=importance if rated else None,
        tags=picked_tags if rng.random() < 0.25 else [],
        area=item.area if rng.random() < (0.6 if snoozed_until else 0.3) else None,
    )


def _generated_draft(rng: random.Random, now: datetime, status: str) -> _Draft:
    topic = rng.choices(TOPICS, weights=[t.weight for t in TOPICS])[0]
    source = _source(rng, topic.mobile)
    text, title, values = _compose(rng, topic, source)
    received = to_iso(now - _age(rng, status))
    item = FeedbackItem(
        text=text,
        title=title,
        customer=_customer(rng),
        source=source,
        area=topic.area,
        received_at=received,
        created_at=received,
        url=f"{SUPPORT_URL}{values['ticket']}" if source == "support" else "",
    )
    return _Draft(_triage(rng, now, item, status, topic.tags), status, opportunity=topic.opportunity)


def _fixed_draft(
    rng: random.Random, now: datetime, text: str, area: str | None, tags: tuple[str, ...], source: str,
    status: str, received: datetime, opportunity: str | None = None,
) -> _Draft:
    item = FeedbackItem(
        text=text,
        title=_title(re.sub(r"^(\[[^\]]*\]|★+☆*)\s*", "", text)),
        customer=_customer(rng),
        source=source,
        area=area,
        received_at=to_iso(received),
        created_at=to_iso(received),
    )
    return _Draft(_triage(rng, now, item, status, tags), status, opportunity=opportunity)


def _fixed_drafts(rng: random.Random, now: datetime) -> list[_Draft]:
    """The hand-written long items and the near-duplicate pairs (3 of them merged)."""
    day = timedelta(days=1)
    drafts = [
        _fixed_draft(rng, now, text, area, tags, source, status, now - _age(rng, status))
        for area, tags, source, status, text in LONG_FEEDBACK
    ]
    for index, ((area, tags, opportunity, first_text, second_text), timing) in enumerate(
        zip(DUPLICATE_PAIRS, DUPLICATE_TIMING, strict=True)  # one timing per pair
    ):
        first_status, second_status, first_age, gap = timing
        first_received = now - day * rng.randint(*first_age) - timedelta(minutes=rng.randint(0, 600))
        second_received = first_received + day * rng.randint(*gap) + timedelta(minutes=rng.randint(0, 600))
        second_received = min(second_received, now - timedelta(minutes=30))
        first = _fixed_draft(rng, now, first_text, area, tags, "support", first_status, first_received, opportunity)
        second = _fixed_draft(rng, now, second_text, area, tags, "intercom", second_status, second_received)
        if index < 3:
            second.merge_into = first
            merged_at = second_received + timedelta(hours=rng.randint(2, 30))
            second.item = replace(second.item, triaged_at=to_iso(min(merged_at, now)), area=first.item.area)
            first.linked = opportunity is not None and first_status == "processed"
        drafts += [first, second]
    return drafts


def _choose_links(rng: random.Random, drafts: list[_Draft], opportunities: dict[str, Opportunity]) -> None:
    """Link OPPORTUNITY_LINKS triaged items in total to the opportunity their topic belongs to."""
    wanted = OPPORTUNITY_LINKS - sum(d.linked for d in drafts)
    candidates = [
        d for d in drafts
        if d.opportunity and not d.linked and d.merge_into is None and d.item.status in ("processed", "archived")
        and d.item.area is not None and (d.item.triaged_at or "") >= opportunities[d.opportunity].created_at
    ]
    for draft in rng.sample(candidates, min(wanted, len(candidates))):
        draft.linked = True


# --- retros and action items --------------------------------------------------


def _retro_basics(spec: dict, areas: dict[str, ProductArea]) -> dict:
    """The fields of a retro that come straight from its data table (lists copied)."""
    return {
        "title": spec["title"],
        "team": spec["team"],
        "template": spec["template"],
        "columns": list(spec["columns"]),
        "facilitator": spec["facilitator"],
        "participants": list(spec["participants"]),
        "area": areas[spec["area"]].id,
    }


def _add_retros(
    store: Store, now: datetime, people: dict[str, Person], areas: dict[str, ProductArea]
) -> tuple[int, int]:
    """The finished retro with its action items, and the one in progress today."""
    held = _at(now - timedelta(days=14), 14)
    finished_cards = [
        RetroCard(number=number, column=column, text=text, author=author, group=group, hidden=False,
                  votes=dict(votes), created_at=to_iso(held + timedelta(minutes=3 + number)))
        for number, (column, text, author, group, votes) in enumerate(FINISHED_CARDS, start=1)
    ]
    finished = Retro(
        **_retro_basics(FINISHED_RETRO, areas),
        phase="closed",
        votes_per_person=3,
        cards=finished_cards,
        groups=[RetroGroup(number=n, title=t, votes=dict(v), notes=notes) for n, t, v, notes in FINISHED_GROUPS],
        held_on=to_iso(held),
        closed_at=to_iso(held + timedelta(minutes=55)),
        created_at=to_iso(held - timedelta(minutes=5)),
    )
    started = max(now - timedelta(minutes=25), _at(now, 0))
    step = (now - started) / (len(LIVE_CARDS) + 1)
    live_cards = [
        RetroCard(number=number, column=column, text=text, author=author, hidden=hidden,
                  created_at=to_iso(started + step * number))
        for number, (column, text, author, hidden) in enumerate(LIVE_CARDS, start=1)
    ]
    live = Retro(
        **_retro_basics(LIVE_RETRO, areas),
        phase="reflect",
        votes_per_person=3,
        cards=live_cards,
        held_on=to_iso(started),
        created_at=to_iso(started),
    )
    with store.change("demo: retros and action items", origin=ORIGIN, history=False) as tx:
        finished = tx.add(finished)
        for text, owners, topic, due_days, status, closed_days in FINISHED_ACTIONS:
            tx.add(ActionItem(
                text=text,
                owners=[people[key].id for key in owners],
                # 09:00, the time every typed date gets ("friday" is Friday 09:00): one time of day.
                due=to_iso(_at(now + timedelta(days=due_days), 9)) if due_days is not None else None,
                status=status,
                team=finished.team,
                retro=finished.id,
                topic=topic,
                area=finished.area,
                done_at=to_iso(_at(now - timedelta(days=closed_days), 11)) if status == "done" and closed_days else None,
                created_at=to_iso(held + timedelta(minutes=50)),
            ))
        tx.add(live)
    return 2, len(FINISHED_ACTIONS)


# --- checklists ----------------------------------------------------------------


def _recurrences(now: datetime) -> dict[str, str]:
    """RRULE strings with a DTSTART on a Monday 09:00 UTC, half a year before now."""
    monday = _at(now - timedelta(days=now.weekday()) - timedelta(weeks=26), 9)
    dtstart = f"DTSTART:{monday.strftime('%Y%m%dT%H%M%SZ')}\n"
    return {"weekly-mo": dtstart + WEEKLY_MONDAY, "biweekly-th": dtstart + FORTNIGHTLY_THURSDAY}


def _run_steps(template: ChecklistTemplate, done: list[tuple[str, datetime]]) -> list[ChecklistRunStep]:
    """The template's steps; the first len(done) ticked off by (who, when)."""
    steps = []
    for index, step in enumerate(template.steps):
        who, when = done[index] if index < len(done) else ("", None)
        steps.append(ChecklistRunStep(text=step.text, why=step.why, done=when is not None, done_by=who,
                                      done_at=to_iso(when) if when else None))
    return steps


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` times evenly between start and end (both excluded)."""
    step = (end - start) / (count + 1)
    return [(start + step * (i + 1)).replace(microsecond=0) for i in range(count)]


def _add_checklists(store: Store, now: datetime) -> tuple[int, int]:
    rules = _recurrences(now)
    templates: dict[str, ChecklistTemplate] = {}
    with store.change("demo: checklists", origin=ORIGIN, history=False) as tx:
        for index, (name, description, recurrence, team, steps) in enumerate(CHECKLISTS):
            templates[name] = tx.add(ChecklistTemplate(
                name=name,
                description=description,
                steps=[ChecklistStep(text=text, why=why) for text, why in steps],
                rrule=rules[recurrence] if recurrence else None,
                team=team,
                origin="builtin",
                created_at=_setup_time(now, 60 + index),
            ))
        runs = _checklist_runs(now, templates)
        for run in runs:
            tx.add(run)
    return len(templates), len(runs)


def _checklist_runs(now: datetime, templates: dict[str, ChecklistTemplate]) -> list[ChecklistRun]:
    """Last week's hygiene (done), this week's (partly done), the next release's readiness (under way)."""
    hygiene, release = templates["PM weekly hygiene"], templates["Release readiness"]
    weekly = rrulestr(hygiene.rrule or "")
    this_week = weekly.before(now, inc=True)
    last_week = weekly.before(this_week)
    next_release = rrulestr(release.rrule or "").after(now)
    runs = []

    done_times = _spread(last_week, last_week + timedelta(days=2), len(hygiene.steps))
    runs.append(ChecklistRun(
        checklist=hygiene.id, title=run_title(hygiene, to_iso(last_week)), due_at=to_iso(last_week),
        steps=_run_steps(hygiene, [("Priya Raman", when) for when in done_times]),
        completed_at=to_iso(done_times[-1]), created_at=to_iso(last_week),
    ))
    partly = _spread(this_week, now, 2)
    runs.append(ChecklistRun(
        checklist=hygiene.id, title=run_title(hygiene, to_iso(this_week)), due_at=to_iso(this_week),
        steps=_run_steps(hygiene, [("Priya Raman", when) for when in partly]), created_at=to_iso(this_week),
    ))
    opened = now - timedelta(days=2)
    who = ("Tomás Herrera", "Priya Raman", "Mei Chen")
    runs.append(ChecklistRun(
        checklist=release.id, title=f"{release.name} — release of {next_release:%Y-%m-%d}",
        due_at=to_iso(next_release),
        steps=_run_steps(release, list(zip(who, _spread(opened, now, len(who)), strict=True))), created_at=to_iso(opened),
    ))
    return runs
