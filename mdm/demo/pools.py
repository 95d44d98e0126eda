"""Static vocabularies the demo data generator draws from.

Plain data only: countries with real cities, postal and phone patterns; company-name words
with realistic frequencies (common words repeat so that term frequency matters); product
types with the way three different systems tend to spell them; unit codes per system.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    region_code: str
    region_name: str
    latitude: float
    longitude: float
    timezone: str
    postal_prefixes: tuple[str, ...]
    area_codes: tuple[str, ...]
    aliases: tuple[str, ...] = ()  # other spellings seen in exports (exonyms, folded accents)


@dataclass(frozen=True)
class Country:
    code: str
    weight: int  # relative share of suppliers and locations
    phone_code: str
    tld: str
    legal_forms: tuple[tuple[str, int], ...]  # canonical legal form, weight
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    street_types: tuple[str, ...]
    line2: tuple[str, ...]


US_STREETS = (
    "Main", "Oak", "Industrial", "Commerce", "Park", "Lake", "Washington", "Maple", "Elm", "Cedar",
    "Hill", "River", "Airport", "Enterprise", "Corporate", "Technology", "Market", "Union", "Harbor",
    "Meridian", "Lincoln", "Jefferson", "Franklin", "Madison", "Pine", "Center", "Railroad", "Mill",
    "Distribution", "Logistics", "Gateway", "Summit", "Valley", "Ridge", "Sunset", "Highland",
)
US_STREET_TYPES = ("Street", "Avenue", "Road", "Boulevard", "Drive", "Parkway", "Lane", "Way", "Court")
US_LINE2 = ("Suite {n}", "Suite {n}", "Unit {u}", "Building {b}", "Floor {f}", "Dock {u}")

COUNTRIES: tuple[Country, ...] = (
    Country(
        "US", 46, "1", ".com",
        (("Inc", 36), ("LLC", 30), ("Corp", 14), ("Co", 8), ("", 12)),
        (
            City("Chicago", "IL", "Illinois", 41.8781, -87.6298, "America/Chicago", ("606", "607"), ("312", "773")),
            City("Houston", "TX", "Texas", 29.7604, -95.3698, "America/Chicago", ("770", "773"), ("713", "281")),
            City("Atlanta", "GA", "Georgia", 33.7490, -84.3880, "America/New_York", ("303", "301"), ("404", "678")),
            City("Dallas", "TX", "Texas", 32.7767, -96.7970, "America/Chicago", ("752", "753"), ("214", "972")),
            City("Los Angeles", "CA", "California", 34.0522, -118.2437, "America/Los_Angeles",
                 ("900", "902"), ("213", "323")),
            City("Phoenix", "AZ", "Arizona", 33.4484, -112.0740, "America/Phoenix", ("850",), ("602", "480")),
            City("Columbus", "OH", "Ohio", 39.9612, -82.9988, "America/New_York", ("432",), ("614",)),
            City("Charlotte", "NC", "North Carolina", 35.2271, -80.8431, "America/New_York", ("282",), ("704",)),
            City("Denver", "CO", "Colorado", 39.7392, -104.9903, "America/Denver", ("802",), ("303", "720")),
            City("Seattle", "WA", "Washington", 47.6062, -122.3321, "America/Los_Angeles", ("981",), ("206",)),
            City("Memphis", "TN", "Tennessee", 35.1495, -90.0490, "America/Chicago", ("381",), ("901",)),
            City("Indianapolis", "IN", "Indiana", 39.7684, -86.1581, "America/Indiana/Indianapolis",
                 ("462",), ("317",)),
            City("Newark", "NJ", "New Jersey", 40.7357, -74.1724, "America/New_York", ("071",), ("973", "862")),
            City("Minneapolis", "MN", "Minnesota", 44.9778, -93.2650, "America/Chicago", ("554",), ("612",)),
            City("Kansas City", "MO", "Missouri", 39.0997, -94.5786, "America/Chicago", ("641",), ("816",)),
            City("Salt Lake City", "UT", "Utah", 40.7608, -111.8910, "America/Denver", ("841",), ("801",)),
            City("Pittsburgh", "PA", "Pennsylvania", 40.4406, -79.9959, "America/New_York", ("152",), ("412",)),
            City("Boston", "MA", "Massachusetts", 42.3601, -71.0589, "America/New_York", ("021",), ("617",)),
        ),
        US_STREETS, US_STREET_TYPES, US_LINE2,
    ),
    Country(
        "CA", 8, "1", ".ca",
        (("Inc", 40), ("Ltd", 35), ("Corp", 15), ("", 10)),
        (
            City("Toronto", "ON", "Ontario", 43.6532, -79.3832, "America/Toronto", ("M5V", "M4B", "M9W"), ("416",)),
            City("Mississauga", "ON", "Ontario", 43.5890, -79.6441, "America/Toronto", ("L5T", "L4W"), ("905",)),
            City("Montreal", "QC", "Quebec", 45.5017, -73.5673, "America/Toronto", ("H3B", "H4T"), ("514",),
                 ("Montréal",)),
            City("Vancouver", "BC", "British Columbia", 49.2827, -123.1207, "America/Vancouver",
                 ("V6B", "V5L"), ("604",)),
            City("Calgary", "AB", "Alberta", 51.0447, -114.0719, "America/Edmonton", ("T2P", "T2E"), ("403",)),
            City("Winnipeg", "MB", "Manitoba", 49.8951, -97.1384, "America/Winnipeg", ("R3C",), ("204",)),
        ),
        US_STREETS, US_STREET_TYPES, US_LINE2,
    ),
    Country(
        "GB", 12, "44", ".co.uk",
        (("Ltd", 70), ("PLC", 8), ("LLP", 6), ("", 16)),
        (
            City("London", "ENG", "Greater London", 51.5074, -0.1278, "Europe/London",
                 ("EC1A", "E14", "SE1", "NW10"), ("20",)),
            City("Birmingham", "ENG", "West Midlands", 52.4862, -1.8904, "Europe/London", ("B1", "B6", "B24"),
                 ("121",)),
            City("Manchester", "ENG", "Greater Manchester", 53.4808, -2.2426, "Europe/London",
                 ("M1", "M17", "M40"), ("161",)),
            City("Leeds", "ENG", "West Yorkshire", 53.8008, -1.5491, "Europe/London", ("LS1", "LS10"), ("113",)),
            City("Glasgow", "SCT", "Scotland", 55.8642, -4.2518, "Europe/London", ("G1", "G51"), ("141",)),
            City("Bristol", "ENG", "Bristol", 51.4545, -2.5879, "Europe/London", ("BS1", "BS11"), ("117",)),
        ),
        ("High", "Station", "Victoria", "Church", "Mill", "Park", "London", "Trafford Park", "Kingsway",
         "Wharf", "Canal", "Manor", "Queens", "Albert", "Broad", "Bridge"),
        ("Road", "Street", "Lane", "Way", "Avenue"),
        ("Unit {u}", "Unit {u}", "Suite {n}", "{b} Block"),
    ),
    Country(
        "DE", 12, "49", ".de",
        (("GmbH", 70), ("AG", 8), ("GmbH & Co. KG", 12), ("KG", 4), ("", 6)),
        (
            City("Berlin", "BE", "Berlin", 52.5200, 13.4050, "Europe/Berlin", ("10", "12", "13"), ("30",)),
            City("Hamburg", "HH", "Hamburg", 53.5511, 9.9937, "Europe/Berlin", ("20", "21", "22"), ("40",)),
            City("München", "BY", "Bayern", 48.1351, 11.5820, "Europe/Berlin", ("80", "81"), ("89",),
                 ("Muenchen", "Munich")),
            City("Köln", "NW", "Nordrhein-Westfalen", 50.9375, 6.9603, "Europe/Berlin", ("50", "51"), ("221",),
                 ("Koeln", "Cologne")),
            City("Frankfurt am Main", "HE", "Hessen", 50.1109, 8.6821, "Europe/Berlin", ("60", "65"), ("69",),
                 ("Frankfurt", "Frankfurt/Main")),
            City("Stuttgart", "BW", "Baden-Württemberg", 48.7758, 9.1829, "Europe/Berlin", ("70",), ("711",)),
            City("Düsseldorf", "NW", "Nordrhein-Westfalen", 51.2277, 6.7735, "Europe/Berlin", ("40",), ("211",),
                 ("Duesseldorf",)),
            City("Leipzig", "SN", "Sachsen", 51.3397, 12.3731, "Europe/Berlin", ("04",), ("341",)),
        ),
        ("Industrie", "Haupt", "Bahnhof", "Gewerbe", "Hafen", "Markt", "Linden", "Schiller", "Goethe",
         "Berliner", "Mühlen", "Lager", "Werk", "Kanal", "Wiesen"),
        ("straße", "straße", "straße", "weg", "allee", "ring"),
        ("Halle {u}", "Tor {u}", "{f}. OG", "Gebäude {b}"),
    ),
    Country(
        "FR", 8, "33", ".fr",
        (("SAS", 45), ("SA", 25), ("SARL", 25), ("", 5)),
        (
            City("Paris", "IDF", "Île-de-France", 48.8566, 2.3522, "Europe/Paris", ("750", "751"), ("1",)),
            City("Lyon", "ARA", "Auvergne-Rhône-Alpes", 45.7640, 4.8357, "Europe/Paris", ("690",), ("4",)),
            City("Marseille", "PAC", "Provence-Alpes-Côte d'Azur", 43.2965, 5.3698, "Europe/Paris", ("130",),
                 ("4",)),
            City("Lille", "HDF", "Hauts-de-France", 50.6292, 3.0573, "Europe/Paris", ("590",), ("3",)),
            City("Toulouse", "OCC", "Occitanie", 43.6047, 1.4442, "Europe/Paris", ("310",), ("5",)),
            City("Nantes", "PDL", "Pays de la Loire", 47.2184, -1.5536, "Europe/Paris", ("440",), ("2",)),
        ),
        ("de la République", "du Commerce", "Jean Jaurès", "Victor Hugo", "de l'Industrie", "des Artisans",
         "Pasteur", "du Général de Gaulle", "de la Gare", "des Entrepreneurs", "Gambetta"),
        ("rue", "rue", "avenue", "boulevard", "allée"),
        ("Bâtiment {b}", "ZI Nord", "ZA des Forges", "Lot {u}"),
    ),
    Country(
        "NL", 6, "31", ".nl",
        (("B.V.", 85), ("N.V.", 5), ("", 10)),
        (
            City("Amsterdam", "NH", "Noord-Holland", 52.3676, 4.9041, "Europe/Amsterdam", ("10", "11"), ("20",)),
            City("Rotterdam", "ZH", "Zuid-Holland", 51.9244, 4.4777, "Europe/Amsterdam", ("30", "31"), ("10",)),
            City("Utrecht", "UT", "Utrecht", 52.0907, 5.1214, "Europe/Amsterdam", ("35",), ("30",)),
            City("Eindhoven", "NB", "Noord-Brabant", 51.4416, 5.4697, "Europe/Amsterdam", ("56",), ("40",)),
            City("Tilburg", "NB", "Noord-Brabant", 51.5555, 5.0913, "Europe/Amsterdam", ("50",), ("13",)),
            City("Venlo", "LI", "Limburg", 51.3704, 6.1724, "Europe/Amsterdam", ("59",), ("77",)),
        ),
        ("Industrie", "Haven", "Stations", "Nijverheids", "Marconi", "Edison", "Keizers", "Molen", "Kanaal"),
        ("weg", "straat", "laan", "kade"),
        ("Unit {u}", "Hal {u}"),
    ),
    Country(
        "AU", 8, "61", ".com.au",
        (("Pty Ltd", 80), ("Ltd", 8), ("", 12)),
        (
            City("Sydney", "NSW", "New South Wales", -33.8688, 151.2093, "Australia/Sydney", ("20", "21"), ("2",)),
            City("Melbourne", "VIC", "Victoria", -37.8136, 144.9631, "Australia/Melbourne", ("30", "31"), ("3",)),
            City("Brisbane", "QLD", "Queensland", -27.4698, 153.0251, "Australia/Brisbane", ("40", "41"), ("7",)),
            City("Perth", "WA", "Western Australia", -31.9505, 115.8605, "Australia/Perth", ("60", "61"), ("8",)),
            City("Adelaide", "SA", "South Australia", -34.9285, 138.6007, "Australia/Adelaide", ("50",), ("8",)),
        ),
        US_STREETS,
        ("Street", "Road", "Avenue", "Drive", "Parade", "Highway", "Place"),
        ("Unit {u}", "Level {f}", "Suite {n}"),
    ),
)

# Spellings of each canonical legal form seen in exports; the first is the canonical one.
LEGAL_FORM_VARIANTS: dict[str, tuple[str, ...]] = {
    "Inc": ("Inc.", "Inc", "Incorporated", "INC"),
    "LLC": ("LLC", "L.L.C.", "LLC.", "Llc"),
    "Corp": ("Corp.", "Corporation", "Corp"),
    "Co": ("Co.", "Company", "Co"),
    "Ltd": ("Ltd", "Ltd.", "Limited", "LTD"),
    "PLC": ("PLC", "plc", "Public Limited Company"),
    "LLP": ("LLP", "L.L.P."),
    "GmbH": ("GmbH", "GMBH", "Gesellschaft mbH", "Gmbh"),
    "AG": ("AG", "A.G."),
    "GmbH & Co. KG": ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG"),
    "KG": ("KG", "K.G."),
    "SAS": ("SAS", "S.A.S.", "S.A.S"),
    "SA": ("S.A.", "SA", "S.A"),
    "SARL": ("SARL", "S.A.R.L.", "Sàrl"),
    "B.V.": ("B.V.", "BV", "B.V"),
    "N.V.": ("N.V.", "NV"),
    "Pty Ltd": ("Pty Ltd", "Pty. Ltd.", "Pty Limited", "PTY LTD", "Proprietary Limited"),
}

# Company-name words. Repeats give the realistic skew: "Supply" and "Industrial" are everywhere.
NAME_PREFIXES = (
    "Acme", "Summit", "Pinnacle", "Apex", "Atlas", "Beacon", "Cardinal", "Crown", "Delta", "Eagle",
    "Empire", "Falcon", "Frontier", "Global", "Granite", "Guardian", "Harbor", "Heritage", "Horizon",
    "Keystone", "Liberty", "Lighthouse", "Meridian", "Metro", "Monarch", "National", "Noble", "North Star",
    "Omega", "Patriot", "Phoenix", "Pioneer", "Premier", "Prime", "Quantum", "Redwood", "Reliance",
    "Sterling", "Titan", "Trident", "Triton", "Unity", "Vanguard", "Vector", "Victory", "Zenith",
    "Allied", "American", "Central", "Continental", "Eastern", "Western", "Northern", "Southern",
    "Pacific", "Atlantic", "Midwest", "Great Lakes", "Coastal", "Mountain", "Prairie", "Capital",
    "Blue Ridge", "Silver Creek", "Iron Bridge", "Oak Valley", "Red River", "Clearwater", "Stonegate",
    "Bluewater", "Riverside", "Lakeside", "Parkway", "Crossroads", "Cornerstone", "Benchmark",
    "Precision", "Quality", "Superior", "Standard", "Universal", "United", "Advanced", "Dynamic",
    "Integrated", "Professional", "Reliable", "Select", "Tri-State", "Tri-County", "First Choice",
    "ProSource", "OneSource", "Allstar", "Brightline", "Evergreen", "Ironclad", "Northgate", "Westfield",
    "Eastgate", "Southport", "Northport", "Kingsway", "Highland", "Lowland", "Bayside", "Hillcrest",
)
SURNAMES = (
    "Miller", "Hayes", "Johnson", "Smith", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Moore",
    "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young",
    "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly",
    "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "Hughes",
    "Price", "Sanders", "Myers", "Long", "Ross", "Foster", "Fischer", "Weber", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun",
    "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Bonnet", "Dupont", "Lambert", "de Vries",
    "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "O'Brien",
    "MacDonald", "McKenzie", "Fraser", "Sullivan", "Kowalski", "Novak", "Rossi", "Ferrari", "Costa",
)
INDUSTRY_WORDS = (
    "Industrial", "Industrial", "Industrial", "Industrial", "Electrical", "Electrical", "Packaging",
    "Packaging", "Safety", "Safety", "Fastener", "Plumbing", "Hydraulic", "Office", "Janitorial",
    "Chemical", "Building", "Construction", "Tool", "Tool", "Bearing", "Power", "Welding", "Fluid Power",
    "Abrasives", "Hardware", "Hardware", "Lighting", "Paper", "Pipe", "Valve", "Pump", "Motion",
    "Material Handling", "Maintenance", "MRO", "Medical", "Lab", "Food Service", "Automotive",
    "Environmental", "Facility", "Wire & Cable", "Metal", "Steel", "Plastics", "Rubber", "Filtration",
    "Technical", "Engineering", "Marine", "Agricultural", "Commercial", "Mechanical", "Instrument",
)
NOUNS = (
    "Supply", "Supply", "Supply", "Supply", "Supply", "Supplies", "Supplies", "Distribution",
    "Distribution", "Distributors", "Services", "Services", "Solutions", "Solutions", "Products",
    "Products", "Group", "Group", "Company", "Corporation", "Partners", "Wholesale", "Trading", "Systems",
    "Sales", "Components", "Manufacturing", "Industries", "International", "Enterprises", "Logistics",
    "Technologies", "Specialties", "Source", "Depot", "Warehouse", "Direct", "Brothers", "& Sons",
)
# Near-duplicate suppliers that are NOT the same company: the noun swapped for a sibling.
NOUN_SIBLINGS = {
    "Supply": ("Supplies", "Services", "Solutions", "Sales"),
    "Supplies": ("Supply", "Services"),
    "Services": ("Supply", "Solutions", "Systems"),
    "Solutions": ("Services", "Systems", "Supply"),
    "Distribution": ("Distributors", "Supply", "Logistics"),
    "Products": ("Industries", "Supply", "Components"),
    "Group": ("Partners", "Holdings", "Company"),
}
COINED_HEADS = ("Indu", "Tech", "Pro", "Max", "Flex", "Dura", "Omni", "Nova", "Verti", "Alu", "Ferro",
                "Hydro", "Therm", "Electro", "Poly", "Uni", "Multi", "Terra", "Aqua", "Sani")
COINED_TAILS = ("tek", "tec", "ix", "ora", "co", "max", "line", "pro", "source", "mark", "flow", "dyne",
                "core", "corp", "net", "vent", "quip", "serv", "trade", "form")
GERMAN_WORDS = ("Industriebedarf", "Werkzeughandel", "Verpackungen", "Elektrotechnik", "Logistik",
                "Handelsgesellschaft", "Technik", "Arbeitsschutz", "Schrauben", "Befestigungstechnik")
FRENCH_WORDS = ("Fournitures Industrielles", "Distribution", "Équipements", "Emballages", "Outillage",
                "Quincaillerie", "Services Industriels", "Matériel Électrique")
DUTCH_WORDS = ("Techniek", "Groothandel", "Verpakkingen", "Bevestigingsmaterialen", "Industrie",
               "Handelsonderneming", "Installatietechniek")
PLACE_WORDS = ("Great Lakes", "Pacific Coast", "Gulf Coast", "Tri-State", "Rocky Mountain", "Bay Area",
               "Midlands", "Northern", "Southern", "Valley", "Capital City", "Harbour", "Lakeshore")

# Abbreviations that systems apply to whole words of a name (full form -> abbreviations).
NAME_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "International": ("Intl", "Intl.", "Int'l"),
    "Manufacturing": ("Mfg", "Mfg."),
    "Services": ("Svcs", "Svcs.", "Svc"),
    "Distribution": ("Dist", "Distrib."),
    "Distributors": ("Dist.", "Distrib"),
    "Company": ("Co", "Co."),
    "Corporation": ("Corp", "Corp."),
    "Brothers": ("Bros", "Bros."),
    "Technologies": ("Tech", "Technol."),
    "Industrial": ("Ind", "Ind."),
    "Industries": ("Inds", "Ind."),
    "Supply": ("Sply", "Supp"),
    "Supplies": ("Supp.", "Sup"),
    "Electrical": ("Elec", "Elec."),
    "Engineering": ("Eng", "Engr."),
    "Products": ("Prods", "Prod."),
    "Solutions": ("Sol.", "Solns"),
    "Wholesale": ("Whsl", "Whse"),
    "Equipment": ("Equip", "Equip."),
    "Mountain": ("Mtn",),
    "National": ("Natl", "Nat'l"),
    "&": ("and", "+"),
    "and": ("&",),
}

# Street-type abbreviations (English-speaking exports) and German/French spellings.
STREET_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Street": ("St", "St."), "Avenue": ("Ave", "Ave.", "Av"), "Road": ("Rd", "Rd."),
    "Boulevard": ("Blvd", "Blvd."), "Drive": ("Dr", "Dr."), "Parkway": ("Pkwy", "Pky"), "Lane": ("Ln",),
    "Court": ("Ct",), "Highway": ("Hwy",), "Parade": ("Pde",), "Place": ("Pl",), "Suite": ("Ste", "Ste.", "#"),
    "Building": ("Bldg", "Bldg."), "Floor": ("Fl",), "Level": ("Lvl",),
    "straße": ("str.", "strasse", "Str."), "avenue": ("av.", "ave"), "boulevard": ("bd", "bld"),
    "rue": ("r.",), "Bâtiment": ("Bat.", "Bât."),
}

FIRST_NAMES = ("john", "mary", "james", "linda", "robert", "susan", "michael", "karen", "david", "lisa",
               "thomas", "anna", "peter", "julia", "mark", "sarah", "paul", "emma", "daniel", "laura",
               "stefan", "claire", "jan", "sophie", "luca", "olivia", "ben", "nina", "chris", "kate")
GENERIC_MAILBOXES = ("info", "info", "info", "sales", "sales", "orders", "accounts", "ap", "ar",
                     "customerservice", "office", "contact", "service")
SYSTEM_MAILBOXES = {
    "ERP": ("accounts", "ar", "remittance", "billing", "finance"),
    "PORTAL": (),  # portal users log in with their own address
    "WMS": ("shipping", "orders", "logistics", "dispatch", "warehouse"),
}

# Units: canonical UN/ECE Rec 20 code -> (name, dimension, ERP code, WMS code, PORTAL code).
UNITS: dict[str, tuple[str, str, str, str, str]] = {
    "EA": ("Each", "count", "EA", "PCS", "EACH"),
    "CS": ("Case", "count", "CS", "CASE", "CTN"),
    "BX": ("Box", "count", "BX", "BOX", "box"),
    "PK": ("Pack", "count", "PK", "PACK", "pack"),
    "PR": ("Pair", "count", "PR", "PAIR", "pair"),
    "RO": ("Roll", "count", "RO", "ROLL", "roll"),
    "DZN": ("Dozen", "count", "DZN", "DOZ", "dozen"),
    "KGM": ("Kilogram", "mass", "KGM", "KG", "kg"),
    "GRM": ("Gram", "mass", "GRM", "G", "g"),
    "LBR": ("Pound", "mass", "LBR", "LB", "lb"),
    "LTR": ("Litre", "volume", "LTR", "L", "litre"),
    "MLT": ("Millilitre", "volume", "MLT", "ML", "ml"),
    "MTR": ("Metre", "length", "MTR", "M", "metre"),
}
# Product types: (portal name, WMS name, ERP abbreviation, category path, attribute kind, base units,
# net weight range in kg of one base unit).
PRODUCT_TYPES: tuple[tuple[str, str, str, tuple[str, str, str], str, tuple[str, ...], tuple[float, float]], ...] = (
    ("Nitrile Gloves", "Nitrile Glove", "NITRILE GLV", ("Safety", "Hand Protection", "Disposable Gloves"),
     "glove", ("BX", "CS"), (0.4, 1.2)),
    ("Latex Gloves", "Latex Glove", "LATEX GLV", ("Safety", "Hand Protection", "Disposable Gloves"),
     "glove", ("BX", "CS"), (0.4, 1.1)),
    ("Cut-Resistant Work Gloves", "Cut Resist Glove", "CUT RES GLV", ("Safety", "Hand Protection",
     "Work Gloves"), "apparel", ("PR", "DZN"), (0.08, 1.0)),
    ("Safety Glasses", "Safety Glasses", "SFTY GLASSES", ("Safety", "Eye Protection", "Safety Glasses"),
     "color", ("EA", "PK"), (0.03, 0.4)),
    ("Hard Hat", "Hard Hat", "HARD HAT", ("Safety", "Head Protection", "Hard Hats"), "color", ("EA",),
     (0.35, 0.5)),
    ("Hi-Vis Safety Vest", "Hi Vis Vest", "HI-VIS VEST", ("Safety", "Workwear", "High Visibility"),
     "apparel", ("EA",), (0.1, 0.2)),
    ("Foam Ear Plugs", "Ear Plugs Foam", "EAR PLUG FOAM", ("Safety", "Hearing Protection", "Ear Plugs"),
     "count", ("BX",), (0.2, 0.6)),
    ("FFP2 Dust Mask", "Dust Mask FFP2", "MASK FFP2", ("Safety", "Respiratory", "Disposable Masks"),
     "count", ("BX",), (0.1, 0.4)),
    ("Hex Bolt", "Hex Bolt", "HEX BOLT", ("Fasteners", "Bolts", "Hex Bolts"), "thread", ("BX", "PK"),
     (0.5, 5.0)),
    ("Hex Nut", "Hex Nut", "HEX NUT", ("Fasteners", "Nuts", "Hex Nuts"), "nut", ("BX", "PK"), (0.2, 2.0)),
    ("Flat Washer", "Flat Washer", "FLAT WSHR", ("Fasteners", "Washers", "Flat Washers"), "nut",
     ("BX", "PK"), (0.1, 1.0)),
    ("Wood Screw", "Wood Screw", "WOOD SCR", ("Fasteners", "Screws", "Wood Screws"), "screw", ("BX",),
     (0.2, 1.5)),
    ("Self-Drilling Screw", "Self Drill Screw", "SELF-DRL SCR", ("Fasteners", "Screws", "Self-Drilling"),
     "screw", ("BX",), (0.2, 1.5)),
    ("Cable Ties", "Cable Tie", "CABLE TIE", ("Electrical", "Cable Management", "Cable Ties"), "tie",
     ("PK", "BX"), (0.1, 0.8)),
    ("PVC Electrical Tape", "Electrical Tape PVC", "ELEC TAPE PVC", ("Electrical", "Tapes",
     "Insulating Tape"), "tape", ("RO", "PK"), (0.04, 0.5)),
    ("Copper Building Wire", "Cu Wire", "CU WIRE", ("Electrical", "Wire & Cable", "Building Wire"), "wire",
     ("RO", "MTR"), (0.02, 12.0)),
    ("Extension Cord", "Extension Cord", "EXT CORD", ("Electrical", "Power", "Extension Cords"), "cord",
     ("EA",), (0.5, 3.0)),
    ("LED Work Light", "LED Work Light", "LED WORK LT", ("Electrical", "Lighting", "Work Lights"), "watt",
     ("EA",), (0.6, 3.5)),
    ("AA Alkaline Batteries", "Battery AA Alkaline", "BATT AA ALK", ("Electrical", "Batteries",
     "Alkaline"), "count", ("PK", "BX"), (0.1, 1.2)),
    ("Carton Sealing Tape", "Packing Tape", "PACK TAPE", ("Packaging", "Tapes", "Carton Sealing Tape"),
     "tape", ("RO", "CS"), (0.1, 4.0)),
    ("Stretch Film", "Stretch Wrap", "STRETCH FILM", ("Packaging", "Pallet Wrap", "Stretch Film"), "film",
     ("RO", "CS"), (2.0, 20.0)),
    ("Corrugated Shipping Box", "Shipping Box", "CORR BOX", ("Packaging", "Boxes", "Shipping Boxes"),
     "box", ("PK", "CS"), (2.0, 12.0)),
    ("Bubble Wrap", "Bubble Wrap", "BUBBLE WRAP", ("Packaging", "Protective Packaging", "Bubble Wrap"),
     "film", ("RO",), (1.0, 6.0)),
    ("Heavy Duty Degreaser", "Degreaser HD", "DEGREASER HD", ("Janitorial", "Chemicals", "Degreasers"),
     "liquid", ("EA", "CS"), (1.0, 22.0)),
    ("Antibacterial Hand Soap", "Hand Soap Antibac", "HAND SOAP ANTIBAC", ("Janitorial", "Hand Care",
     "Hand Soap"), "liquid", ("EA", "CS"), (0.5, 6.0)),
    ("Disinfectant Wipes", "Disinfect Wipes", "DISINF WIPES", ("Janitorial", "Cleaning", "Wipes"), "count",
     ("PK", "CS"), (0.5, 6.0)),
    ("Paper Towel Rolls", "Paper Towel", "PAPER TWL", ("Janitorial", "Paper", "Paper Towels"), "rolls",
     ("CS",), (3.0, 9.0)),
    ("Heavy Duty Trash Bags", "Trash Bag HD", "TRASH BAG HD", ("Janitorial", "Waste", "Trash Bags"), "bag",
     ("CS", "BX"), (2.0, 10.0)),
    ("Hydraulic Oil ISO 46", "Hydraulic Oil 46", "HYD OIL ISO46", ("Maintenance", "Lubricants",
     "Hydraulic Oil"), "liquid", ("EA", "LTR"), (0.9, 185.0)),
    ("Multi-Purpose Grease", "MP Grease", "MP GREASE", ("Maintenance", "Lubricants", "Grease"), "mass",
     ("EA", "KGM"), (0.4, 18.0)),
    ("Deep Groove Ball Bearing", "Ball Bearing", "BALL BRG", ("Maintenance", "Power Transmission",
     "Bearings"), "bearing", ("EA",), (0.05, 1.5)),
    ("Cut-Off Wheel", "Cutting Disc", "CUT DISC", ("Tools", "Abrasives", "Cut-Off Wheels"), "disc",
     ("PK", "BX", "EA"), (0.05, 3.0)),
    ("Sanding Disc", "Sanding Disc", "SAND DISC", ("Tools", "Abrasives", "Sanding Discs"), "grit", ("PK",),
     (0.1, 1.0)),
    ("HSS Drill Bit Set", "Drill Bit Set HSS", "DRILL BIT SET HSS", ("Tools", "Drilling", "Drill Bits"),
     "set", ("EA",), (0.3, 2.5)),
    ("Retractable Utility Knife", "Utility Knife", "UTIL KNIFE RETR", ("Tools", "Hand Tools", "Knives"),
     "plain", ("EA",), (0.1, 0.3)),
    ("Tape Measure", "Tape Measure", "TAPE MEAS", ("Tools", "Measuring", "Tape Measures"), "length_tool",
     ("EA",), (0.2, 0.6)),
    ("Cordless Drill Driver", "Cordless Drill", "DRILL CORDLESS", ("Tools", "Power Tools", "Drills"),
     "volt", ("EA",), (1.2, 2.5)),
    ("Copy Paper", "Copy Paper", "COPY PAPER", ("Office", "Paper", "Copy Paper"), "paper", ("CS", "PK"),
     (2.3, 25.0)),
    ("Ballpoint Pens", "Ballpoint Pen", "BALLPOINT PEN", ("Office", "Writing", "Pens"), "pen",
     ("DZN", "BX"), (0.1, 0.6)),
    ("Portland Cement", "Cement Portland", "CEMENT PORTLAND", ("Construction", "Building Materials",
     "Cement"), "bag_mass", ("EA",), (20.0, 50.0)),
    ("Silicone Sealant", "Silicone Sealant", "SILICONE SEAL", ("Construction", "Sealants", "Silicone"),
     "cartridge", ("EA", "CS"), (0.3, 8.0)),
    ("PVC Pressure Pipe", "PVC Pipe", "PVC PIPE", ("Plumbing", "Pipe", "PVC Pipe"), "pipe", ("EA", "MTR"),
     (0.5, 12.0)),
    ("Brass Ball Valve", "Ball Valve Brass", "BALL VALVE BRS", ("Plumbing", "Valves", "Ball Valves"),
     "valve", ("EA",), (0.2, 2.5)),
)
MANUFACTURER_NOUNS = ("Manufacturing", "Industries", "Products", "Technologies", "Works", "Tools", "Labs",
                      "Brands", "Group", "Manufacturing", "Industries")
