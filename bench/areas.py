"""Who-owns look-ups at 5,000 areas and 2,000 people (issue 4: instant at that size).

Run: python bench/areas.py   (prints timings; nothing is asserted)
"""
import random
import tempfile
import time
from pathlib import Path

from prodops_tui.core.areas import ownership, people
from prodops_tui.core.model import Person, ProductArea
from prodops_tui.core.storage.store import Store

s = Store.open(Path(tempfile.mkdtemp())/'w', clock=lambda: '2026-11-24T15:00:00Z')
rnd = random.Random(3)
words = "billing invoices tax payments cards exports reports search admin roles audit mobile api webhooks onboarding dunning credit notes sync quickbooks xero salesforce dashboards alerts".split()
with s.change("bulk", history=False) as tx:
    ppl = [tx.add(Person(name=f"{rnd.choice(['Ana','Bo','Cy','Dee','Eli','Fay','Gus'])} {rnd.choice(['Kim','Li','Ng','Oz','Park','Quinn'])} {n}", handle=f"@p{n}")) for n in range(2000)]
    areas = []
    for n in range(5000):
        parent = rnd.choice(areas).id if areas and rnd.random() < 0.8 else None
        areas.append(tx.add(ProductArea(name=f"{rnd.choice(words).title()} {n}", parent=parent, glossary=rnd.sample(words, 3),
            code_paths=[f"services/{rnd.choice(words)}/{n}/**"], owners=[rnd.choice(ppl).id], maintainers=[rnd.choice(ppl).id], description=" ".join(rnd.sample(words, 8)))))
t = time.perf_counter()
ownership.who_owns(s, "warm")
print(f"first query, builds the index: {1000*(time.perf_counter()-t):.0f} ms")
for q in ["invoic", "tax invoices", "quikbooks", "Ana Kim 17", "services/sync"]:
    t = time.perf_counter()
    r = ownership.who_owns(s, q)
    print(f"who_owns {q!r}: {1000*(time.perf_counter()-t):.0f} ms, top {r[0].path if r else None}")
t = time.perf_counter()
h = ownership.owned_by(s, ppl[5].id)
print(f"owned_by: {1000*(time.perf_counter()-t):.0f} ms")
t = time.perf_counter()
g = ownership.gaps(s)
print(f"gaps: {1000*(time.perf_counter()-t):.0f} ms")
t = time.perf_counter()
p = people.find_people(s, "ana ki")
print(f"find_people: {1000*(time.perf_counter()-t):.0f} ms")
