"""The wordings rounds fourteen to twenty-two taught (val2026p-x, each tuned on once its
untouched score was kept): one case per general behaviour, each the way its writer wrote it
(rounds twenty-one and twenty-two's in extraction_cases_21_22.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.extraction_cases_21_22 import NON_FACTS_21_22, WORDINGS_21_22, facts

WORDINGS = [
    # round twenty (val2026v)
    ("nvm on the wasps at the carters, exterminator got em", "hazards.bees", False),
    ("Account notes: Arceneaux, Denise; 2-story; $260 agreed; card.", "payment.preference", "card"),
    ("Account notes: Tran, Bao & family; Vietnamese; pays cash.", "language.spoken", "Vietnamese"),
    ("Marguerite handles the money and writes a check.", "payment.payer", "Marguerite"),
    ("Marguerite handles the money and writes a check.", "payment.preference", "check"),
    ("Customer is deaf. Always text, do not call.", "preferences.contact_method", "text"),
    (
        "She asked for mornings now since she can't sleep anyhow.",
        "preferences.time_of_day",
        "morning",
    ),
    (
        "Cheryl; prefers email; Mon/Tue only; 8\u201311am; stay out of the beds.",
        "schedule.time_window",
        "8am-11am",
    ),
    # round fourteen
    # round fourteen: people and who pays
    ("Wife of customer name Anita. She like morning.", "people.spouse_name", "Anita"),
    ("The new owners are Jamal and Keisha Wright.", "people.owner", "Jamal and Keisha Wright"),
    ("Mister Ali is new owner. Before was Mister Brown.", "people.owner", "Mr. Ali"),
    ("her boyfriend marcus handles the bills now", "payment.payer", "boyfriend Marcus"),
    (
        "the church treasurer, Gloria Banks, handles payment.",
        "payment.payer",
        "treasurer Gloria Banks",
    ),
    ("code chg 3306 (was 1122)", "access.gate_code", "3306"),
    ("the gate code is 1-9-9-0 lol like the year.", "access.gate_code", "1990"),
    ("daughter Mai translates, call Mai first.", "preferences.contact_method", "call"),
    ("rest as usual. call day before.", "preferences.contact_method", "call"),
    ("call wife Pam not him.", "preferences.contact_method", "call"),
    ("Kowalski — 2 stry. $310 in+out agreed.", "property.usual_price", "$310 in+out"),
    ("price locked $395/yr, spring + fall.", "property.usual_price", "$395/yr"),
    ("Price 240 dollar every time.", "property.usual_price", "$240"),
    ("Albright — $210 std.", "property.usual_price", "$210"),
    (
        "asked that the crew please not use the outdoor outlets",
        "instructions.outlets",
        "don't use the outdoor outlets",
    ),
    ("Roof is 8/12 slate. Do NOT walk it.", "instructions.roof", "don't walk on the roof"),
    ("a beehive in the bush, like an actual honeybee one", "hazards.bees", True),
    ("asked that we not come on Saturdays", "schedule.unavailable_days", "saturday"),
    ("Key for garage under blue pot.", "access.key_location", "key for garage under blue pot"),
    ("lockbox 0912 on the hose reel", "access.lockbox_location", "on the hose reel"),
    (
        "Side yard is fenced and the latch sticks; close it all the way every time",
        "access.gate_closed",
        True,
    ),
    (
        "no more gutters — got guards put on by someone else",
        "property.features",
        "gutter guards",
    ),
    (
        "called to cancel his screen cleaning going forward",
        "instructions.screens",
        "no longer clean the screens",
    ),
    ("every other Tue b4 7am", "schedule.frequency", "every other week, tuesday"),
    ("$260 / 3x yr", "schedule.frequency", "3 times a year"),
    ("Tran Nails - storefront 2x/mo.", "schedule.frequency", "twice a month"),
    ("Nguyen - twice yr, Apr/Oct.", "schedule.season", "april and october"),
    ("every Sunday evening, after they close at 6 p.m.", "schedule.time_window", "after 6pm"),
    ("arrive in the morning, ideally by 9", "schedule.time_window", "by 9am"),
    ("he wants it done in the afternoon", "preferences.time_of_day", "afternoon"),
    ("Whitaker. cash. Tues am.", "preferences.time_of_day", "morning"),
    (
        "Sprinklers run Mon/Wed/Fri at 6 — schedule us Tue/Thu.",
        "preferences.days",
        ["tuesday", "thursday"],
    ),
    ("Sunrise Bagels — $45 per visit, wkly, Fri.", "preferences.days", ["friday"]),
    ("Lady is old, she cannot walk good.", "demographic.age_group", "elderly"),
    ("Raj Patel (landlord) pays.", "payment.payer", "landlord Raj Patel"),
    ("mil disc 10% (vet). cash only", "payment.discount", "10% military discount"),
    ("price locked. Visa on file.", "payment.preference", "card"),
    (
        "asked to be billed quarterly instead of after each visit",
        "payment.terms",
        "billed quarterly",
    ),
    ("windows: about 30", "property.window_count", {"count": 30, "plus": False}),
    # round fifteen
    # round fifteen (val2026q): codes, names, payment
    ("Dunmore HOA. gate code 3071 -> 3072.", "access.gate_code", "3072"),
    ("The lockbox combinación change: before 3141, now 2718.", "access.lockbox_code", "2718"),
    ("The alarm code is 1-9-7-3, entered within 45 seconds", "access.alarm_code", "1973"),
    ("the gate's just a latch no code but keep it shut", "access.gate_closed", True),
    (
        "the tenant at 7B, whose name is Simone Achterberg, works nights",
        "people.tenant_name",
        "Simone Achterberg",
    ),
    ("the pastor is Reverend Karen Lund", "people.pastor", "Karen Lund"),
    (
        "Email from Greg Pham (owner, Pham's Pho): can you do the awning",
        "people.owner",
        "Greg Pham",
    ),
    (
        "the side gate latch is broken, they need to lift it and push.",
        "access.gate",
        "gate latch is broken, they need to lift it",
    ),
    ("the gate coat is 5 for 9 0 and Mrs Brennan says", "access.gate_code", "5490"),
    ("the lockbox is on the back fence code 2 to 0 8", "access.lockbox_code", "2208"),
    ("the alarm coat is 4 4 0 9 and you got 30 seconds", "access.alarm_code", "4409"),
    ("Fenwick: code now 1187 (was 6402).", "access.gate_code", "1187"),
    ("use the maintenance gate on Linwood Ct, code 8812.", "access.gate_code", "8812"),
    (
        "the landlord is Gerald Fitch he pays by Zelle",
        "payment.payer",
        "landlord (Gerald Fitch)",
    ),
    (
        "The landlord, Mr. Vickers, pays for the service",
        "payment.payer",
        "landlord (Mr. Vickers)",
    ),
    ("Her nephew Marco pay the bills by transferencia.", "payment.payer", "nephew Marco"),
    (
        "Please invoice the management company, Cascade Property Group, attn Ryan.",
        "payment.payer",
        "Cascade Property Group",
    ),
    (
        'Email: "my partner Felix asks that you use the side gate"',
        "people.spouse_name",
        "Felix",
    ),
    ("he told me his wife's name it's Ingrid not Astrid", "people.spouse_name", "Ingrid"),
    ('From Beth Ruiz, Quarry Hill HOA secretary: "Reminder"', "people.secretary", "Beth Ruiz"),
    ("omg the goose at willow creek hoa pond is back", "customer.type", "hoa"),
    ("HOA Maplewood common: clubhouse 42 win", "customer.type", "hoa"),
    ("Gutters @ Brightwater HOA bldgs A-F", "customer.type", "hoa"),
    ('From the Linwood HOA manager, Dana Whitfield: "Use the gate"', "customer.type", "hoa"),
    (
        "Restaurante El Farolito, the dueño Don Ernesto.",
        "customer.type",
        "restaurant, commercial",
    ),
    ("for the Beaumont condos the board president is Harriet Ng", "customer.type", "condo"),
    (
        "Ashby Rentals (PM co.) - 14 units on list.",
        "customer.type",
        "rental, property management",
    ),
    ("Tan & Co. Accountants - 2nd flr ofc", "customer.type", "office, commercial"),
    (
        "Mtn View Medical (comm) - after hrs only",
        "customer.type",
        "medical facility, commercial",
    ),
    ("the Eastgate Mosque community centre", "customer.type", "mosque"),
    ("and we do them every quarter same as before", "schedule.frequency", "quarterly"),
    ("they want us on a six week rotation", "schedule.frequency", "every 6 weeks"),
    ("she wants us in the afternoon", "preferences.time_of_day", "afternoon"),
    (
        "he would prefer to receive an email rather than a phone call",
        "preferences.contact_method",
        "email",
    ),
    (
        "Could your team please text me 30 minutes before arriving?",
        "preferences.contact_method",
        "text",
    ),
    ("text the daughter for scheduling not the mother", "preferences.contact_method", "text"),
    (
        "Please coordinate with them, Chidi Obi is the tenant.",
        "people.tenant_name",
        "Chidi Obi",
    ),
    ("no ladders on stained glass side -> WFP only.", "equipment.water_fed_pole", True),
    ("Aquí the landlord is Mr. Boyce, he pay.", "people.landlord", "Mr. Boyce"),
    (
        "Park on the street at the Yamamoto house not the driveway they've got a new tesla",
        "access.parking",
        "street at the Yamamoto house, not the driveway",
    ),
    ("WFP for solar x18 on S roof.", "property.features", "18 solar panels"),
    (
        "solar 12 panels on garage rf, no ladders on panels.",
        "property.features",
        "12 solar panels",
    ),
    ("Wu - NO PETS now. gate left open ok.", "access.gate_closed", False),
    ("the goose is gone they relocated it", "hazards.animals", False),
    ("Okonkwo - dog Zeus = aggressive, they crate him", "pets.dog_name", "Zeus"),
    ("Aldous x2 props (main + ADU).", "property.features", "ADU"),
    # round sixteen
    # round sixteen (val2026r): radio talk and military time
    ("Gate 7719. Dog? Negative. Pays check.", "pets.has_dog", False),
    ("Negative dog. Negative cat. Gate 1942.", "pets.has_cat", False),
    ("Cat: affirm, Smokey, indoor. Dog: neg.", "pets.has_dog", False),
    ("Cash. 0900-1100 window. Park street.", "schedule.time_window", "9am-11am"),
    ("Tran Nail Spa - before they open at 0930", "schedule.time_window", "before 9:30am"),
    ("no work before 0800 pls", "schedule.time_window", "after 8am"),
    ("Key w/ neighbor Mr. Hale, #12.", "access.key_location", "key with neighbor mr. hale"),
    (
        "Customer text: 'hi its Brenda, my husbnd Dale will be home'",
        "people.spouse_name",
        "Dale",
    ),
    ("- Pomeranian 'Cookie' - yappy but friendly", "pets.dog_name", "Cookie"),
    ("Monarch Pediatrics - alarm: 2468", "access.alarm_code", "2468"),
    ("please only Tue-Thu. Door code 8080.", "access.gate_code", "8080"),
    ("Same schedule. Gate still 4040.", "access.gate_code", "4040"),
    ("Rate $165. Agreed 3/2. Monthly.", "property.usual_price", "$165"),
    ("send the bill to his wife Priya who does their books", "payment.payer", "wife Priya"),
    # round seventeen
    # round seventeen (val2026s): a formal owner's words and a bookkeeper's
    ("before the store opens at seven in the morning", "schedule.time_window", "before 7am"),
    (
        "the shop windows before ten o'clock, as she opens at ten",
        "schedule.time_window",
        "before 10am",
    ),
    ("The side gate code is one-nine-one-four.", "access.gate_code", "1914"),
    ("Miss Edith Tuttle is in her nineties", "demographic.age_group", "elderly"),
    ("Mrs. Pelletier is a widow of eighty-seven", "demographic.age_group", "elderly"),
    (
        "rents out both halves. Mr. Ferris pays for the work; the tenants do not.",
        "payment.payer",
        "Mr. Ferris",
    ),
    ("Lowell: $290 each time, check at the door.", "payment.preference", "check"),
    ("St. Anne's paid. Check from diocese.", "payment.preference", "check"),
    ("Wheelers still owe from October. Cash customers normally.", "payment.preference", "cash"),
    ("Pruitt's. Ice on back steps.", "hazards.ice", "ice on back steps"),
    ("Vaillancourt gutters. Ice dams north side.", "hazards.ice", "ice dams north side"),
    (
        "Whitakers. Loose storm on pantry window.",
        "hazards.loose_storm",
        "loose storm on pantry window",
    ),
    (
        "bull in the east pasture, don't cut across",
        "hazards.animals",
        "bull in the east pasture",
    ),
    ("leave the swallow nests alone", "instructions.general", "leave the swallow nests alone"),
    # round eighteen
    # round eighteen (val2026t): shorthand codes, sales written up, labelled fields
    ("2fl, 22 win 14 scr, gc 4471. NO ldr on N side", "access.gate_code", "4471"),
    ("NO dog anymore (Rex died). gc same 3380", "access.gate_code", "3380"),
    ("Kowal. gc chgd 8812 -> 8821. 2 dogs out back", "access.gate_code", "8821"),
    ("3 stry. 41 win no scr. bldg code 1906", "access.gate_code", "1906"),
    ("Access: building entry 2468, then elevator to 4.", "access.gate_code", "2468"),
    ("Time window: 9am\u20131pm. Billing: card on file", "schedule.time_window", "9am-1pm"),
    ("Work nights only 10pm\u20135am.", "schedule.time_window", "10pm-5am"),
    (
        "Agreed w/ Paula Reyes: gutters + windows $410, fall only.",
        "property.usual_price",
        "$410",
    ),
    (
        "Estimate w/ Greg: whole house in/out $385, spring + fall, he's good w/ that.",
        "schedule.season",
        "spring + fall",
    ),
    (
        "Stair tower glass, agreed quarterly, $1,850, lift included.",
        "property.usual_price",
        "$1,850",
    ),
    (
        "Signed: storefront + offices, $165 monthly, Saturdays.",
        "property.usual_price",
        "$165 monthly",
    ),
    ("Pets: none. Billing: check left under the mat.", "payment.preference", "check"),
    # round nineteen
    # round nineteen (val2026u): forwarded emails and their signatures
    (
        "Invoice Summit Stays, not the owner. Thanks,\n"
        "Marisol Pena, Property Manager, Summit Stays",
        "people.property_manager",
        "Marisol Pena",
    ),
    (
        "Please do not rest ladders on it. \u2014 Marisol, Summit Stays property manager",
        "people.property_manager",
        "Marisol",
    ),
    ("Weekly rental. Invoice Summit Stays, not the owner.", "payment.payer", "Summit Stays"),
    (
        "New tenant is Marisol Reyes, landlord (Frank Bello) still pays.",
        "people.landlord",
        "Frank Bello",
    ),
    (
        "Heads up on the Quinns' vacation house: old well cover.",
        "customer.type",
        "vacation home",
    ),
    ("Sjoberg\n- Norwegian, fine w/ English\n- Mondays", "language.spoken", "Norwegian"),
    (
        "Ng residence\n- Cantonese; son Kevin handles scheduling by text",
        "language.spoken",
        "Cantonese",
    ),
    ("Spanish. hija Maria translates. txt only.", "language.spoken", "Spanish"),
    ("Gate 2025 \u2192 now 6161.", "access.gate_code", "6161"),
    ("our customer doesnt even have a dog lol", "pets.has_dog", False),
    (
        "the dog, Bella, she went to live with my mom, so there's no dog here now.",
        "pets.has_dog",
        False,
    ),
    (
        "Hi this is Bob Chandler, my wife Suzie and I are out of town",
        "people.spouse_name",
        "Suzie",
    ),
    (
        "keep it latched. \u2014 Ray, property manager, Alpine Rental Mgmt",
        "people.property_manager",
        "Ray",
    ),
]
NON_FACTS = [
    # round twenty (val2026v)
    ("twice a year; 10% church member discount.", "customer.type"),
    ("That's Otis Freeman's mama's house on Church St, sugar", "customer.type"),
    ("no Wednesdays after 4 (church); check.", "customer.type"),
    ("gator sunning on the bank behind the fontenot dock AGAIN", "customer.type"),
    ("His niece Charlene over in Shreveport pays for everything with her card", "payment.payer"),
    # round fifteen
    ("she will pay con Venmo from now, not cheque.", "payment.preference"),
    ("a real slippery mossy bank on the north side", "customer.type"),
    ("For the solar panels of Mr. Abiodun, 30 paneles", "demographic.age_group"),
    ("my husband Bob says hi", "people.spouse_name"),
    ("code for the side door is on the fridge", "access.gate_code"),
    ("Jim from the hardware store said hi", "customer.type"),
    # round sixteen
    ("Cash. 0900-1100 window. Park street.", "property.window_count"),
    ("built before 1942", "schedule.time_window"),
    ("I told 'em my husband Bob would come", "people.spouse_name"),
    ("we gotta do the lanai when they're at school like after 8:30", "customer.type"),
    ("the orchids under the kitchen window are like their babies", "demographic.age_group"),
    ("'I need to cancel this month, we're traveling.'", "instructions.note"),
    ("alarm panel inside front door, code 2207 then #", "access.gate_code"),
    # round nineteen
    (
        "Hi, the owner is selling. \u2014 Jen, Property Manager, Peak Vacation Homes",
        "customer.type",
    ),
    (
        "FWD: 7 Steller Jay - owner request\n\nHello, the owner (Mrs. Ito) is hard of hearing.",
        "instructions.note",
    ),
    ("request\n\nHello, the owner is hard of hearing.", "people.preferred_crew"),
    ("Tip $20 cash from owner.", "instructions.note"),
    (
        "Hi, this is Mrs. Pruitt, I had a question about my bill, can you call me back please.",
        "instructions.note",
    ),
]


@pytest.mark.parametrize(("note", "key", "value"), WORDINGS + WORDINGS_21_22)
def test_a_wording_states_its_fact(note: str, key: str, value: Any) -> None:
    assert facts(note).get(key) == value


@pytest.mark.parametrize(("note", "key"), NON_FACTS + NON_FACTS_21_22)
def test_said_in_passing_is_no_fact(note: str, key: str) -> None:
    assert key not in facts(note)


def test_the_technician_calling_is_no_contact_preference() -> None:
    assert "preferences.contact_method" not in facts("I'll call Mike first thing tomorrow.")


def test_a_check_from_inside_is_no_cheque() -> None:
    assert "payment.preference" not in facts("streaks? check from inside before you leave")


def test_a_pit_bull_is_no_bull_in_a_field() -> None:
    assert "hazards.animals" not in facts("pit bull named Diesel, friendly")


def test_an_instruction_cut_at_its_length_ends_on_a_whole_word() -> None:
    value = facts(
        "Mrs. Goodale asks that we leave the screens on the porch rather than carry them through"
        " the house."
    )["instructions.screens"]
    assert value.endswith("carry them through"), value


def test_billing_once_a_month_is_no_visit_frequency() -> None:
    assert "schedule.frequency" not in facts("Pruitt's: bill them once a month, net 30.")


def test_an_estimate_not_taken_sets_no_price_or_season() -> None:
    found = facts("Quote for spring + fall: $320/visit, she said she'd let us know.")
    assert "property.usual_price" not in found
    assert "schedule.season" not in found
