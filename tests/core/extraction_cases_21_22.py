"""The wordings rounds twenty-one and twenty-two taught (val2026w and val2026x, each tuned on
once its untouched score was kept): one case per general behaviour, each the way its writer
wrote it. test_extraction_later_rounds.py runs them with the earlier rounds' cases."""

from __future__ import annotations

from typing import Any

from crm.core.extraction_rules import extract


def facts(note: str) -> dict[str, Any]:
    return {p.key: p.value for p in extract(note)}


LIST_NOTE = (
    "1) 2 stories 2) do NOT use ammonia on the tinted windows 3) window film on west side "
    "4) wife Sharon home most days"
)

WORDINGS_21_22 = [
    # a numbered list on one line: each item ends where the next number starts
    (LIST_NOTE, "instructions.ammonia", "don't use ammonia on the tinted windows"),
    (
        "1) guard gate - give company name 2) park in driveway OK 3) 2 story",
        "access.parking",
        "in driveway",
    ),
    # codes said with where they are, or changed
    ("new gate code for sunrise estates is 0415 and dont work after 5", "access.gate_code", "0415"),
    ("keypad on the back door is 5150 the front door is never used", "access.gate_code", "5150"),
    ("1) code 3390 on keypad at back door 2) no shoes inside", "access.gate_code", "3390"),
    ("The gate code was changed last week and is now 8190.", "access.gate_code", "8190"),
    # a time refused after an hour ends the window there
    (
        "new gate code is 0415 and dont work after 5 theyre strict",
        "schedule.time_window",
        "before 5pm",
    ),
    ("Come any day, but not after 4pm please.", "schedule.time_window", "before 4pm"),
    # prices a month, as a labeller writes them; invoices said short
    (
        "Agreed: monthly storefront glass, $600/mo, invoiced net 15.",
        "property.usual_price",
        "$600/month",
    ),
    (
        "Agreed: monthly storefront glass, $600/mo, invoiced net 15.",
        "payment.preference",
        "invoice",
    ),
    ("Owner pays for all 3 and wants a paper invoice.", "payment.preference", "invoice"),
    ("Agreed to quarterly windows at $295. Autopay by card.", "payment.preference", "card"),
    # a relative named, then said to pay
    ("Her son, Daniel, will be paying for the service.", "payment.payer", "son Daniel"),
    (
        "Her grandson, Kyle, is now her primary contact and pays the bill.",
        "payment.payer",
        "grandson Kyle",
    ),
    ("Spoke w/ the Delgados' son Ray (he pays, lives in Seattle).", "payment.payer", "son Ray"),
    # ages as labellers group them; the parents a son looks after
    ("Mrs. Nakamura is 79, a retired schoolteacher.", "demographic.age_group", "senior"),
    ("Mr. Fairbanks, who is 85, is not to be asked to move.", "demographic.age_group", "elderly"),
    ("Spoke w/ the Delgados' son Ray. Parents are 90+.", "demographic.age_group", "elderly"),
    # gone, with a name between
    ("her cat smokey died so you dont have to worry about the door", "pets.has_cat", False),
    ("the bees are gone, they had a guy come out and pull the hive out", "hazards.bees", False),
    # what not to do, then the pole
    ("the tile is super slick dont walk it use the pole", "equipment.water_fed_pole", True),
    ("no need to bring the pole", "equipment.water_fed_pole", False),
    # the months winter visitors are here
    (
        "The Okafors are winter visitors, in residence from October through April.",
        "schedule.season",
        "october to april",
    ),
    ("Winter visitor, Nov-Mar.", "schedule.season", "november to march"),
    (
        "winter visitors here from thanksgiving to easter",
        "schedule.season",
        "thanksgiving to easter",
    ),
    # who holds a key, by name
    (
        "Their neighbour, Mrs. Dorothy Finch at number 14, holds a key.",
        "access.key_location",
        "neighbour, Mrs. Dorothy Finch at number 14",
    ),
    ("His parents are away. Miguel has a key and can let us in.", "access.key_location", "Miguel"),
    (
        "3) key from Lupe at the nail salon",
        "access.key_location",
        "key from Lupe at the nail salon",
    ),
    # days joined with a plus; two animals named together
    ("2) Tues + Thurs before 8am (stores open at 8)", "preferences.days", ["tuesday", "thursday"]),
    ("1) 2 german shepherds Duke + Bella, both fine w/ people", "pets.dog_name", "Duke and Bella"),
    ("Their two Pomeranians, Bonnie and Clyde, are nervous.", "pets.dog_name", "Bonnie and Clyde"),
    # how to reach them, said in full sentences; a language preferred
    ("She prefers to be called rather than texted.", "preferences.contact_method", "call"),
    (
        "She asked to be reminded by text message the day before.",
        "preferences.contact_method",
        "text",
    ),
    (
        "Price changes are to be discussed with him directly by phone.",
        "preferences.contact_method",
        "call",
    ),
    ("Please be advised that Mr. Gutierrez prefers Spanish.", "language.spoken", "Spanish"),
    # desert hazards; a state said with "already"
    (
        "1) Spanish only 2) pays Zelle 3) watch cactus by bedroom windows",
        "hazards.cactus",
        "cactus by bedroom windows",
    ),
    ("the windows facing the fairway get hit by balls all the time", "hazards.golf_balls", True),
    (
        "dont spray near the pool equipment its got exposed wiring",
        "hazards.exposed_wiring",
        "the pool equipment its got exposed wiring",
    ),
    ("theres a rattler den under the shed", "hazards.snakes", "rattlesnake den under the shed"),
    (
        "Stay off the roof, as several tiles are already loose.",
        "hazards.tiles",
        "tiles are already loose",
    ),
    # buildings beside the house; shoes
    ("1) casita out back - tenant Jorge", "property.features", "casita"),
    ("2) no shoes inside", "instructions.shoes", "no shoes inside"),
    # people: a tenant named in passing, a role in brackets, someone from maintenance
    (
        "new tenant at 44 mission is a guy named derek old tenant moved out",
        "people.tenant_name",
        "Derek",
    ),
    ("theyre renting the main house to a nurse named kathy", "people.tenant_name", "Kathy"),
    (
        "Desert Palms HOA (Linda Ocampo, community manager): agreed to monthly",
        "people.manager",
        "Linda Ocampo",
    ),
    ("3) Rick from maintenance lets us in", "people.maintenance", "Rick"),
    # a discount with its reason; a payer's sentence cut where it ends
    (
        "Pays by card; 5% off for prepaying the year.",
        "payment.discount",
        "5% off for prepaying the year",
    ),
    ("All invoices go to accounts payable on net 45 terms.", "payment.payer", "accounts payable"),
    # round 22: an old CRM's fields, with bars between them and old values struck out
    ("Pets: ~~1 dog (Duke)~~ none | Gate: 5521# | Freq: annual (May)", "pets.has_dog", False),
    ("Pay: Venmo | Gate code: ~~1188~~ now 3092", "access.gate_code", "3092"),
    (
        "Pay: ~~check~~ card (auto-charge after service) | Freq: every 8 wks",
        "payment.preference",
        "card",
    ),
    (
        "Contact: Ms. Harriet Vance | Age: 92 | Access: key under frog statue",
        "access.key_location",
        "key under frog statue",
    ),
    (
        "Contact: Ms. Harriet Vance | Age: 92 | Access: key under frog statue",
        "demographic.age_group",
        "elderly",
    ),
    ("[Legacy] Gate 7719 | Dog: Bella (passed 2021) | Cat: yes, Ziggy", "pets.has_dog", False),
    ("Pay: Venmo | Dogs: 2 (Mabel, Juno) both friendly", "pets.dog_name", "Mabel and Juno"),
    ("Pets: 2 cats (Pho & Banh Mi) + 1 dog (Noodle)", "pets.cat_name", "Pho and Banh Mi"),
    ("Freq: monthly | Time: before noon | Days: M/W/F only", "preferences.time_of_day", "morning"),
    ("Name: Kowalski | Freq: annual (May)", "schedule.frequency", "once a year"),
    # a route sheet's shorthand
    (
        "Hoppy Elk Brewing: FR glass + door, in/out, bi-wkly, key @ bar.",
        "schedule.frequency",
        "every 2 weeks",
    ),
    (
        "Golden Eagle Credit Union - ext glass + ATM canopy, mo. 1st Sat.",
        "schedule.frequency",
        "monthly",
    ),
    (
        "Golden Eagle Credit Union - ext glass + ATM canopy, mo. 1st Sat.",
        "preferences.days",
        ["saturday"],
    ),
    (
        "Golden Eagle Credit Union - ext glass + ATM canopy, mo. 1st Sat.",
        "customer.type",
        "commercial",
    ),
    ("Lakeside Liquors - FR glass ext, wkly Wed. mgr Bo. cash", "customer.type", "commercial"),
    ("Gate: 9753 | Dogs: none now (Ginger rehomed) | Freq: 6 wks", "pets.has_dog", False),
    ("Customer since 2015. Gate: 0921. Pets: no. Pay: card on file.", "pets.has_cat", False),
    ("Gate: 0921. Freq: monthly Apr-Oct.", "schedule.season", "april to october"),
    ("Gate: 9753 | Freq: 6 wks | Price: $180", "schedule.frequency", "every 6 weeks"),
    ("Willow Bend - bldgs 1-12 ext, spring/fall.", "schedule.season", "spring and fall"),
    ("Pay: ~~check~~ card | Discount: 10% senior", "payment.discount", "10% senior"),
    (
        "Her daughter Catherine handles scheduling and the bill.",
        "payment.payer",
        "daughter Catherine",
    ),
    ("Call Catherine, not Eleanor.", "preferences.contact_method", "call"),
    ("Dr. Hsu is the one to deal with. Bill by invoice.", "payment.preference", "invoice"),
    ("Main St Books done. Greta out, left cash w/ the tea shop", "payment.preference", "cash"),
    ("Note 2020: NO ROOF ACCESS - tile roof, cracks.", "instructions.roof", "don't go on the roof"),
    (
        "mr feld's house - tile roof, no going up there, i get it.",
        "instructions.roof",
        "don't go on the roof",
    ),
    ("2017: 3 story, cedar shake roof (NO WALKING)", "instructions.roof", "don't walk on the roof"),
    (
        "a metal roof you can't walk on safely (too slick)",
        "instructions.roof",
        "don't walk on the roof",
    ),
    (
        "Helen asked us to stop cleaning the screens.",
        "instructions.screens",
        "no longer clean the screens",
    ),
    (
        "wants us to skip the screens from now on",
        "instructions.screens",
        "no longer clean the screens",
    ),
    ("the hoa townhomes r a maze.", "customer.type", "hoa"),
    ("Acct type: HOA - Pine Hollow Townhomes | Units: 48", "customer.type", "hoa"),
    ("Belmar library - ext glass + book drop, qtrly.", "customer.type", "library, municipal"),
    (
        "Hoppy Elk Brewing: FR glass + door, key @ bar. mgr = Tess",
        "access.key_location",
        "at the bar",
    ),
    (
        "Cust: Alpenglow Rentals | Key: front desk | Pay: Zelle",
        "access.key_location",
        "at the front desk",
    ),
    # ages said with the name
    (
        "Mrs. Eleanor Prescott, 88, lives alone in the brick Tudor.",
        "demographic.age_group",
        "elderly",
    ),
    ("Mr. Novak (Frank, 81) is hard of hearing.", "demographic.age_group", "elderly"),
    # kinds of business
    (
        "Met with Gary, the park manager at Sun Valley RV Resort.",
        "customer.type",
        "rv resort, commercial",
    ),
    ("1) casino - Desert Star 2) only 3am-7am", "customer.type", "casino, commercial"),
    (
        "Desert Sky Senior Living: agreed to all windows quarterly",
        "customer.type",
        "senior living, commercial",
    ),
]

NON_FACTS_21_22 = [
    # a one-off job's price is no usual price
    ("Mr. Oduya agreed to a one-time move-out clean for $375.", "property.usual_price"),
    # the business's own owner paying is the customer paying
    ("Joe's Deli on Main. Owner Joe Russo pays by card.", "payment.payer"),
    # someone else named before "she pays"
    ("her grandson Kenji helps translate and she pays cash", "payment.payer"),
    # a supply, or an add-on refused, is not the property's hard water
    ("Bucket of hard water remover almost empty, need to reorder.", "property.hard_water"),
    ("Agreed: windows every 4 months, $310. Refused: hard water treatment.", "property.hard_water"),
    # the manager before retired, not the customer
    (
        "Priya Raman is the property manager now, replacing Mr. Cole, who has retired.",
        "demographic.age_group",
    ),
    # round 22: a form's first field names the customer; a department is nobody; a likeness,
    # a present, a workplace or a verb is no fact
    ("Contact: Ms. Harriet Vance (POA: nephew Doug Vance, pays) | Age: 92", "people.contact"),
    ("Belmar library - ext glass. call Facilities (Marcy) 48h ahead.", "people.contact"),
    ("gutters were PACKED w pine needles like a bird hotel.", "customer.type"),
    ("customer tipped us in brewery gift cards lol", "customer.type"),
    ("Joe is a firefighter, Ruth teaches at the elementary school", "customer.type"),
    ("mr feld's house - tile roof. his wife made cookies", "people.spouse_name"),
    ("Dr. and Mrs. Hsu, Cherry Hills Village. Single-story but sprawling.", "instructions.note"),
    # "annual" before a contract is not a field of a form
    ("Whitakers: annual contract $1,100 paid up front in April.", "schedule.frequency"),
    # the dog is elderly, not the customer
    (
        "The Rosenbergs' dog, Duchess, a standard poodle, is elderly and deaf.",
        "demographic.age_group",
    ),
    # where the customer works is no kind of customer
    ("She works night shifts at the hospital and sleeps till 2pm.", "customer.type"),
]
