"""The demo company's world: word lists for names and companies, regions, titles, products.

Kestrel Industrial IoT sells sensors, gateways and software to European industry. There is no
product catalog in Tandem yet, so the demo keeps its small product list here and uses it to
name and price deals. Everything is plain data: no Faker at run time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal

SELLER = "Kestrel Industrial IoT"
# The demo company as a seller, for the hint ``tandem demo`` prints: only the settings
# (TANDEM_SELLER_*) put a seller on quotes and email footers.
SELLER_ADDRESS = ("Speicherstadt 7", "20457 Hamburg", "Germany")
SELLER_TAX_ID = "DE 812 345 678"
SELLER_DOMAIN = "kestrel-iot.example"
DEMO_PASSWORD = "tandem-demo"  # noqa: S105 — the published demo password, shown on screen


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits only: 'Müller-Lüdenscheidt' -> 'mullerludenscheidt'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [
        "".join(ch for ch in w if ch.isalnum()) for w in plain.lower().replace("-", " ").split()
    ]
    return sep.join(w for w in words if w)


# The word lists below are data, kept dense on purpose: one word a line would run to a
# thousand lines.
# fmt: off
FIRST_NAMES = (
    "Anna", "Lukas", "Sofia", "Jonas", "Emma", "Felix", "Mia", "Leon", "Hannah", "Paul",
    "Lea", "Elias", "Clara", "Noah", "Lena", "Finn", "Marie", "Ben", "Laura", "Tim",
    "Julia", "David", "Sarah", "Simon", "Nina", "Jan", "Katharina", "Tobias", "Lisa", "Moritz",
    "Eva", "Florian", "Johanna", "Sebastian", "Franziska", "Matthias", "Ingrid", "Erik", "Astrid",
    "Lars", "Sigrid", "Nils", "Karin", "Anders", "Elin", "Mikael", "Frida", "Henrik", "Maja",
    "Oskar", "Liv", "Emil", "Saga", "Johan", "Annika", "Pieter", "Sanne", "Daan", "Femke",
    "Bram", "Lotte", "Thijs", "Eline", "Ruben", "Noor", "James", "Olivia", "Thomas", "Emily",
    "Oliver", "Charlotte", "Harry", "Amelia", "George", "Grace", "Jack", "Chloe", "Daniel",
    "Megan", "Patrick", "Siobhan", "Connor", "Aoife", "Piotr", "Agnieszka", "Tomasz",
    "Katarzyna", "Marcin", "Magdalena", "Pawel", "Joanna", "Andrius", "Ruta", "Carlos", "Lucia",
    "Javier", "Marta", "Pablo", "Elena", "Diego", "Carmen", "Miguel", "Ines", "Joao", "Beatriz",
    "Rui", "Catarina", "Marco", "Giulia", "Luca", "Francesca", "Matteo", "Chiara", "Alessandro",
    "Valentina", "Davide", "Federica", "Pierre", "Camille", "Julien", "Nicolas",
    "Manon", "Antoine", "Mathieu", "Élise", "Nikos", "Eleni", "Giorgos", "Maria",
    "Dimitris", "Katerina", "Ivan", "Ana", "Marko", "Petra", "Emre", "Elif", "Mehmet", "Zeynep",
    "Can", "Aylin", "Burak", "Selin", "Kerem", "Deniz", "Stefan", "Monika", "Andreas", "Sabine",
)

LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun",
    "Zimmermann", "Hartmann", "Krüger", "Lange", "Werner", "Krause", "Lehmann", "Huber",
    "Gruber", "Bauer", "Wimmer", "Steiner", "Moser", "Keller", "Brunner", "Frei", "Baumann",
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Lindqvist", "Berg", "Hansen", "Johansen", "Olsen", "Larsen",
    "Virtanen", "Korhonen", "Nieminen", "Jensen", "Nielsen", "Pedersen", "de Jong", "Jansen",
    "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Peeters",
    "Janssens", "Maes", "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson",
    "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Murphy", "Kelly", "O'Brien", "Byrne", "Ryan", "Walsh", "Nowak", "Kowalski",
    "Wisniewski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski", "Kazlauskas", "Garcia",
    "Fernandez", "Gonzalez", "Rodriguez", "Lopez", "Martinez", "Sanchez", "Perez", "Gomez",
    "Martin", "Jimenez", "Ruiz", "Hernandez", "Diaz", "Moreno", "Silva", "Santos", "Ferreira",
    "Pereira", "Oliveira", "Costa", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca",
    "Mancini", "Costa Neri", "Giordano", "Rizzo", "Lombardi", "Moretti", "Bernard", "Dubois",
    "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
    "Lefebvre", "Michel", "Garnier", "Faure", "Rousseau", "Papadopoulos", "Georgiou",
    "Nikolaidis", "Dimitriou", "Horvat", "Kovacevic", "Babic", "Yilmaz", "Kaya", "Demir",
    "Sahin", "Celik", "Yildiz", "Aydin", "Ozturk", "Arslan", "Dogan", "Vogel", "Jung", "Hahn",
    "Roth", "Frank", "Berger", "Kaiser", "Fuchs", "Lang", "Weiss", "Engel", "Horn", "Busch",
)

# The distinctive first word of a company name.
COMPANY_WORDS = (
    "Acme", "Apex", "Northwind", "Bergmann", "Lindholm", "Vega", "Orion", "Falcon", "Alpen",
    "Baltic", "Nordic", "Rhein", "Danube", "Atlas", "Titan", "Helix", "Polaris", "Zenith",
    "Meridian", "Summit", "Cobalt", "Granite", "Silverline", "Blueriver", "Redstone", "Greenfield",
    "Ironbridge", "Oakridge", "Stonegate", "Westfield", "Eastgate", "Highland", "Lakeside",
    "Riverside", "Seaview", "Sunrise", "Aurora", "Borealis", "Crescent", "Delta", "Epsilon",
    "Fjord", "Glacier", "Harbor", "Isar", "Jura", "Karst", "Loire", "Meuse", "Neckar", "Oder",
    "Po", "Quarz", "Ruhr", "Saale", "Tagus", "Elbe", "Vistula", "Weser", "Ebro", "Arno",
    "Tiber", "Douro", "Garonne", "Rhone", "Seine", "Mosel", "Main", "Inn", "Drava", "Sava",
    "Kestrel", "Heron", "Osprey", "Merlin", "Condor", "Albatross", "Pelican", "Lynx", "Otter",
    "Bison", "Elk", "Fox", "Wolfram", "Nickel", "Copper", "Zinc", "Argon", "Neon", "Boron",
    "Carbon", "Silica", "Basalt", "Marble", "Slate", "Amber", "Jade", "Onyx", "Opal", "Ruby",
    "Sapphire", "Topaz", "Quantum", "Vector", "Matrix", "Pixel", "Nexus", "Vertex", "Axis",
    "Pivot", "Fulcrum", "Lever", "Gear", "Piston", "Turbine", "Rotor", "Stator", "Anvil",
    "Forge", "Foundry", "Kiln", "Crucible", "Hammer", "Chisel", "Compass", "Sextant", "Beacon",
    "Lantern", "Lighthouse", "Anchor", "Keel", "Mast", "Rudder", "Helm", "Bastion", "Citadel",
    "Rampart", "Vanguard", "Pioneer", "Frontier", "Horizon", "Skyline", "Tundra", "Steppe",
    "Savanna", "Sierra", "Alto", "Primo", "Optima", "Maxima", "Prima", "Nova", "Stella",
)

# fmt: on

INDUSTRIES: dict[str, tuple[str, ...]] = {
    "Manufacturing": ("Manufacturing", "Components", "Industries", "Precision", "Fabrication"),
    "Automotive": ("Automotive", "Autoparts", "Drivetrain", "Mobility"),
    "Food & Beverage": ("Foods", "Dairy", "Beverages", "Brewing", "Bakeries"),
    "Logistics": ("Logistics", "Freight", "Warehousing", "Cold Storage"),
    "Chemicals": ("Chemicals", "Coatings", "Polymers"),
    "Pharmaceuticals": ("Pharma", "Life Sciences", "Biotech"),
    "Energy & Utilities": ("Energy", "Power", "Utilities", "Wind"),
    "Metals": ("Metals", "Steel", "Aluminium", "Castings"),
    "Plastics & Packaging": ("Plastics", "Packaging", "Extrusion"),
    "Water": ("Water", "Wastewater"),
    "Machinery": ("Machinery", "Automation", "Robotics", "Hydraulics", "Machine Tools"),
}
TRADES: tuple[tuple[str, str], ...] = tuple(
    (word, industry) for industry, words in INDUSTRIES.items() for word in words
)


@dataclass(frozen=True)
class Region:
    name: str
    team: str  # "Sales North" or "Sales South"
    tlds: tuple[str, ...]
    legal_forms: tuple[str, ...]
    phone_prefix: str


REGIONS = (
    Region("Nordics", "Sales North", ("se", "no", "fi", "dk"), ("AB", "AS", "Oy", "A/S"), "+46"),
    Region("DACH", "Sales North", ("de", "at", "ch"), ("GmbH", "AG", "GmbH & Co. KG"), "+49"),
    Region("Benelux", "Sales North", ("nl", "be"), ("B.V.", "N.V."), "+31"),
    Region("UK & Ireland", "Sales North", ("co.uk", "ie"), ("Ltd", "plc"), "+44"),
    Region("Poland & Baltics", "Sales North", ("pl", "lt"), ("Sp. z o.o.", "UAB"), "+48"),
    Region("Iberia", "Sales South", ("es", "pt"), ("S.L.", "S.A.", "Lda."), "+34"),
    Region("Italy", "Sales South", ("it",), ("S.p.A.", "S.r.l."), "+39"),
    Region("France", "Sales South", ("fr",), ("SAS", "SA", "SARL"), "+33"),
    Region("Greece & Balkans", "Sales South", ("gr", "hr", "rs"), ("S.A.", "d.o.o."), "+30"),
    Region("Turkey", "Sales South", ("com.tr",), ("A.S.", "Ltd. Sti."), "+90"),
)
REGION_BY_TLD = {tld: region for region in REGIONS for tld in region.tlds}
TLDS = tuple(REGION_BY_TLD) + ("com", "eu")

# Suffixes that keep company domains unique once the word space is used up (a million contacts).
GROUP_WORDS = (
    "Group",
    "Systems",
    "Technik",
    "Holding",
    "International",
    "Solutions",
    "Works",
    "Partners",
    "Services",
    "Technologies",
)

FREE_MAIL = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.com",
    "gmx.de",
    "web.de",
    "icloud.com",
    "proton.me",
)

# (title, weight). Senior and manager words feed the fit score (tandem.handoff.scoring).
TITLES = (
    ("Chief Operating Officer", 2),
    ("Chief Technology Officer", 2),
    ("Chief Digital Officer", 1),
    ("VP Operations", 3),
    ("VP Manufacturing", 2),
    ("Head of Maintenance", 4),
    ("Head of Digital Transformation", 3),
    ("Head of Engineering", 3),
    ("Plant Director", 3),
    ("Director of Operations", 3),
    ("Director of Supply Chain", 2),
    ("Founder", 1),
    ("Maintenance Manager", 7),
    ("Production Manager", 7),
    ("Operations Manager", 6),
    ("Energy Manager", 4),
    ("IT Manager", 4),
    ("Quality Manager", 4),
    ("Plant Manager", 5),
    ("Project Lead", 3),
    ("Principal Engineer", 2),
    ("Team Lead Automation", 2),
    ("Reliability Engineer", 7),
    ("Automation Engineer", 8),
    ("Process Engineer", 7),
    ("Maintenance Engineer", 7),
    ("Data Analyst", 4),
    ("Controls Engineer", 5),
    ("Maintenance Technician", 5),
    ("Buyer", 3),
    ("Procurement Specialist", 3),
    ("Shift Supervisor", 3),
    ("", 6),
)
STUDENT_TITLES = ("Student", "Master's student", "PhD candidate", "Working student")
CANDIDATE_TITLES = ("Field Service Engineer", "Software Developer", "Service Technician", "")
MEDIA_TITLES = ("Editor", "Journalist", "Technology Reporter", "Editor-in-Chief")


@dataclass(frozen=True)
class Product:
    """Something Kestrel sells: what a deal is named after and priced by."""

    name: str
    unit: str  # plural, as in "40 sensors"
    list_price: Decimal
    unit_cost: Decimal
    quantity: tuple[int, int]  # for a mid-size account; scaled by size band
    industries: tuple[str, ...] = ()  # where it sells best; empty = everywhere


PRODUCTS = (
    Product("Fleet Monitor", "sensors", Decimal(240), Decimal(70), (20, 200)),
    Product("Edge Gateway 3", "gateways", Decimal(1450), Decimal(820), (2, 20)),
    Product(
        "Predictive Maintenance Suite",
        "machines",
        Decimal(1200),
        Decimal(260),
        (10, 80),
        ("Manufacturing", "Automotive", "Machinery", "Metals"),
    ),
    Product(
        "Energy Insight",
        "sites",
        Decimal(9500),
        Decimal(2100),
        (1, 6),
        ("Energy & Utilities", "Chemicals", "Metals", "Plastics & Packaging"),
    ),
    Product(
        "OEE Dashboard",
        "lines",
        Decimal(4800),
        Decimal(900),
        (2, 12),
        ("Manufacturing", "Automotive", "Food & Beverage", "Plastics & Packaging"),
    ),
    Product(
        "Cold Chain Tracker",
        "tags",
        Decimal(95),
        Decimal(34),
        (100, 800),
        ("Food & Beverage", "Logistics", "Pharmaceuticals"),
    ),
    Product(
        "Water Network Analytics",
        "pumping stations",
        Decimal(6200),
        Decimal(1500),
        (2, 15),
        ("Water", "Energy & Utilities"),
    ),
)
ADD_ONS = (
    Product("Implementation services", "days", Decimal(1400), Decimal(720), (5, 40)),
    Product("Premium Support", "years", Decimal(18000), Decimal(6500), (1, 3)),
    Product("Operator training", "seats", Decimal(650), Decimal(180), (8, 40)),
)
SIZE_FACTOR = {"1-9": 0.3, "10-49": 0.6, "50-249": 1.0, "250-999": 2.2, "1000+": 4.5}

WEBINAR_TOPICS = (
    "Predictive maintenance in practice",
    "Cutting energy costs with sub-metering",
    "OEE for mid-size plants",
    "Retrofitting legacy machines",
    "From alarms to insights",
    "Condition monitoring on a budget",
    "Cold chain compliance made simple",
    "Vibration analysis 101",
    "Edge computing on the shop floor",
    "Water loss detection",
    "Scaling a pilot to twenty plants",
    "Cybersecurity for connected machines",
)
CONTENT_TITLES = (
    "The predictive maintenance playbook",
    "Energy monitoring buyer's guide",
    "OEE benchmark report",
    "Retrofit checklist for brownfield plants",
    "IIoT business case template",
    "Cold chain risk report",
    "Condition monitoring ROI calculator",
)
SOCIAL_THEMES = (
    "Downtime costs more than sensors",
    "Know your machines",
    "Energy is a KPI",
    "Pilot in 30 days",
    "From reactive to predictive",
)
NURTURE_TOPICS = (
    "Maintenance leaders",
    "Energy managers",
    "Plant digitalisation",
    "Cold chain operators",
)
TRADE_FAIRS = {
    3: "LogiMAT",
    4: "Hannover Messe",
    6: "Maintenance Expo",
    9: "Smart Factory Days",
    11: "SPS Nuremberg",
}
PARTNERS = (
    "Siemens Solution Partner Network",
    "Rittal Automation Partners",
    "Nordic Integrators Alliance",
    "Iberia Systems Integrators",
)
PRESS_STORIES = (
    "Kestrel launches Edge Gateway 3",
    "Kestrel opens office in Milan",
    "Customer story: 18% less downtime at a dairy",
    "Kestrel wins IIoT innovation award",
)

REJECTION_NOTES = {
    "not_ready": (
        "Evaluating next fiscal year",
        "Pilot budget only after the summer shutdown",
        "Still collecting requirements",
    ),
    "no_budget": ("Budget freeze until Q3", "Capex frozen after the merger", "No budget this year"),
    "wrong_person": (
        "Engineer, not the decision maker — asked for the plant manager",
        "Forwarded to their maintenance lead",
    ),
    "bad_fit": ("Only 3 machines, too small for us", "Needs a custom PLC integration we don't do"),
    "duplicate": ("Already in talks with a colleague at the same site",),
    "competitor": ("Works for a competitor",),
    "student": ("Student writing a thesis", "Job seeker"),
    "spam": ("Fake company details",),
}
DISCOVERY_CALLS = (
    "Discovery call: unplanned downtime on the packaging line, wants a pilot on 2 lines",
    "Discovery call: energy bill up 30%, looking for sub-metering",
    "Discovery call: maintenance team of 6, spreadsheets today",
    "Discovery call: compliance audit coming, needs temperature logs",
    "Discovery call: replacing an in-house SCADA add-on",
)
DEMO_MEETINGS = (
    "On-site demo with the maintenance team",
    "Remote demo for IT and operations",
    "Pilot review meeting with the plant director",
    "Workshop: business case and rollout plan",
)
NEGOTIATION_CALLS = (
    "Negotiation call: procurement asks for 3-year terms",
    "Call: legal review of the MSA",
    "Call: discount request, offered training seats instead",
    "Call: timeline for rollout agreed",
)
SUPPORT_NOTES = (
    ("Gateway firmware update went smoothly, customer happy with response time", "positive"),
    ("Asked how to export sensor data to their ERP; sent the API guide", "neutral"),
    ("Two sensors offline after a line move; replaced under warranty", "neutral"),
    ("Complained about false vibration alarms on pump 4; thresholds tuned", "negative"),
    ("Dashboard slow during shift change; escalated to engineering", "negative"),
    ("Praised the new OEE report in the quarterly review", "positive"),
    ("Requested training for the night shift", "neutral"),
)
FIELD_NOTES = (
    ("Installed sensors on line 3, vibration baseline captured", "positive"),
    ("Commissioned two gateways; Wi-Fi in hall B is weak, used LTE", "neutral"),
    ("Site survey done; customer wants to extend to the second plant", "positive"),
    ("Installation delayed: no access to the cold store until next week", "negative"),
    ("Trained 12 operators on the OEE dashboard", "positive"),
)
EMPLOYEE_NOTES = (
    ("Met them at a trade association dinner; interested in energy monitoring", "positive"),
    ("Ex-colleague now runs maintenance there; open to a chat", "positive"),
    ("Saw their job ad for a reliability engineer — they are building a team", "neutral"),
)
PRIVATE_NOTES = (
    "Champion is the maintenance manager; CFO is sceptical.",
    "Competitor offered 25% off; we hold on price and add training.",
    "Decision after the board meeting; keep in touch every two weeks.",
    "Procurement wants a 3-year deal; check with my manager before going below 10%.",
    "",
)
