package halosim

// Company names for seeded clients: varied legal forms, accents and punctuation, plus a few
// near-duplicates, because matching security-console customers to Halo clients must cope.
// The core names come first in every seed of at least that many clients.
var seedCoreCompanyNames = []string{
	"Acme Logistics Ltd", "Acme Logistics (UK) Ltd", "Brightwater Dental LLC", "Müller & Söhne GmbH",
	"Société Bérard d'Électricité S.A.", "Van der Berg Installatietechniek B.V.", "Kangaroo Point Accounting Pty Ltd",
	"O'Brien & Partners Solicitors", "Northwind Traders Inc.", "Northwind Traders", "Café Lumière SARL",
}

var seedCompanyNames = []string{
	"Zürich Präzision AG", "São Paulo Importações Ltda.", "Nordlys Rådgivning AS", "Château Brémont S.A.S.",
	"Harbour View Medical Centre", "Pinecrest Property Management, LLC", "Smith, Jones & Co.",
	"Ålesund Fiskeri AS", "Łódź Software Sp. z o.o.", "Dvořák Engineering s.r.o.", "Hernández y Asociados S.L.",
	"García-López Arquitectos S.L.", "Blue Ridge Veterinary Clinic", "Redwood Capital Partners LP",
	"St. Mary's Primary School", "Greenfield Agricultural Co-operative", "Tōkai Trading K.K.",
	"Kiwi Coast Tours Limited", "Maple Leaf Dental Corp.", "Atlas Freight GmbH & Co. KG", "Meridian Health Inc",
	"Crescent Moon Bakery", "The Old Mill Hotel Ltd", "Bäckerei Schönfeld GmbH", "Øresund Shipping ApS",
	"Al-Noor Trading L.L.C.", "Citadel Insurance Brokers plc", "Beacon Hill Legal LLP",
	"Summit Ridge Construction, Inc.", "Evergreen Landscaping LLC", "Lakeside Community Church",
	"Quantum Leap Analytics, Inc.", "Riverside Motors (Pty) Ltd", "Helvetia Uhren SA",
	"Peña & Hijos S.A. de C.V.", "Polar Bear Refrigeration Ltd.", "Ironbridge Manufacturing Ltd",
	"Silver Fern Accountants Limited", "Kowalski & Nowak Sp.j.", "Oakwood Family Practice", "Delacroix Avocats",
	"Blackstone Quarry Pty. Ltd.", "Golden Gate Florists", "Tanaka Robotics Co., Ltd.", "Rosewood Care Homes Ltd",
	"Vértice Consultoria Ltda", "Coastal Surf & Skate", "Prairie Wind Energy LLC", "Sunrise Pediatrics P.C.",
	"Hofmann IT-Service e.K.", "Marigold Events Ltd", "Trident Marine Services B.V.", "Bellwether Financial Advisors",
	"Über Events GmbH", "Fenwick & Daughters Ltd", "Nakamura Dental Clinic", "Heritage Bank of Ohio, N.A.",
}

// Parts for further names when more clients are asked for than the list above holds.
var (
	seedNameStems = []string{
		"Apex", "Birchwood", "Cobalt", "Driftwood", "Elmstead", "Foxglove", "Granite", "Hawthorn", "Indigo",
		"Juniper", "Kestrel", "Larkspur", "Moorland", "Northgate", "Orchard", "Pemberton", "Quarry Hill",
		"Ravenscroft", "Saltmarsh", "Thornbury", "Upton", "Valemont", "Westbrook", "Yarrow", "Zenith",
	}
	seedNameTrades = []string{
		"Accounting", "Architects", "Builders", "Dental", "Engineering", "Freight", "Insurance", "Legal",
		"Medical", "Motors", "Plumbing", "Properties", "Recruitment", "Solar", "Veterinary", "Wealth",
	}
	seedLegalForms = []string{
		"Ltd", "Limited", "LLC", "Inc.", "GmbH", "S.A.", "B.V.", "Pty Ltd", "AG", "plc", "LLP", "S.L.", "AB", "Oy",
	}
)

// Country web domains that go with a legal form, for seeded websites and e-mail addresses.
var seedDomainByForm = map[string]string{
	"GmbH": ".de", "AG": ".ch", "B.V.": ".nl", "Pty Ltd": ".com.au", "Pty. Ltd.": ".com.au", "(Pty) Ltd": ".co.za",
	"S.A.": ".fr", "SARL": ".fr", "S.A.S.": ".fr", "S.L.": ".es", "Ltd": ".co.uk", "Ltd.": ".co.uk", "Limited": ".co.uk",
	"plc": ".co.uk", "LLP": ".co.uk", "AS": ".no", "ApS": ".dk", "AB": ".se", "Oy": ".fi", "Sp. z o.o.": ".pl",
	"Sp.j.": ".pl", "s.r.o.": ".cz", "K.K.": ".jp", "Ltda.": ".com.br", "Ltda": ".com.br", "e.K.": ".de",
	"KG": ".de", "SA": ".ch", "S.A. de C.V.": ".mx", "L.L.C.": ".ae",
}

var (
	seedFirstNames = []string{
		"Olivia", "José", "Zoë", "Siobhán", "Søren", "Łukasz", "Renée", "Björn", "Aoife", "Mohammed", "Priya",
		"Chloé", "Mateus", "Hannah", "Jürgen", "Ngaio", "Wei", "Fatima", "Liam", "Émilie", "Tomás", "Ingrid",
		"Kwame", "Yuki", "Daniel", "Małgorzata", "Seán", "Ana", "Oliver", "Grace",
	}
	seedSurnames = []string{
		"Smith", "O'Neill", "García", "Müller", "Nowak", "Dubois", "Rossi", "Jensen", "Kowalczyk", "Tanaka",
		"Nguyen", "Okafor", "Fernández", "Svensson", "Brown", "Patel", "MacDonald", "Schäfer", "Lefèvre",
		"van Dijk", "Costa", "Murphy", "Ahmed", "Novák", "Walker",
	}
	seedSiteNames = []string{
		"Head Office", "Warehouse", "North Branch", "Riverside Office", "Clinic 2", "Data Centre", "Retail Store",
		"Workshop", "City Centre", "Satellite Office",
	}
	seedTicketSummaries = []string{
		"Outlook keeps asking for password", "Printer on 2nd floor offline", "New starter: laptop setup",
		"VPN disconnects every hour", "Suspicious email reported by user", "Shared drive not mapping",
		"Malware detected on workstation", "Request: add user to Finance group", "Wi-Fi slow in meeting room",
		"Phishing link clicked - please check", "Server backup failed last night", "Teams calls dropping",
	}
)
