// Package places holds the small tables behind a seed's extra fields: cities
// weighted by population, postcode shapes, and words that business names are
// made of, per region.
//
// Cities and rough populations (in thousands) are those of national statistics
// offices' published city totals, rounded; they only need to make a seed's city
// as common as a real customer's would be.
package places

import (
	"math/rand/v2"
	"sort"
)

type city struct {
	name     string
	weight   uint32 // population in thousands, rounded
	postcode string // a pattern: '#' digit, 'A' letter
}

var cities = map[string][]city{
	"US": {
		{"New York", 8300, "100##"}, {"Los Angeles", 3800, "900##"}, {"Chicago", 2700, "606##"},
		{"Houston", 2300, "770##"}, {"Phoenix", 1650, "850##"}, {"Philadelphia", 1550, "191##"},
		{"San Antonio", 1450, "782##"}, {"San Diego", 1380, "921##"}, {"Dallas", 1300, "752##"},
		{"Austin", 960, "787##"}, {"Jacksonville", 950, "322##"}, {"Fort Worth", 930, "761##"},
		{"San Jose", 970, "951##"}, {"Columbus", 900, "432##"}, {"Charlotte", 880, "282##"},
		{"Indianapolis", 880, "462##"}, {"San Francisco", 810, "941##"}, {"Seattle", 750, "981##"},
		{"Denver", 715, "802##"}, {"Nashville", 685, "372##"}, {"Oklahoma City", 690, "731##"},
		{"Washington", 680, "200##"}, {"El Paso", 680, "799##"}, {"Las Vegas", 650, "891##"},
		{"Boston", 650, "021##"}, {"Portland", 635, "972##"}, {"Louisville", 625, "402##"},
		{"Memphis", 620, "381##"}, {"Detroit", 620, "482##"}, {"Baltimore", 570, "212##"},
		{"Milwaukee", 560, "532##"}, {"Albuquerque", 560, "871##"}, {"Tucson", 545, "857##"},
		{"Fresno", 545, "937##"}, {"Sacramento", 525, "958##"}, {"Mesa", 505, "852##"},
		{"Kansas City", 510, "641##"}, {"Atlanta", 500, "303##"}, {"Omaha", 485, "681##"},
		{"Colorado Springs", 480, "809##"}, {"Raleigh", 470, "276##"}, {"Miami", 450, "331##"},
		{"Minneapolis", 425, "554##"}, {"Tulsa", 410, "741##"}, {"Cleveland", 370, "441##"},
		{"Tampa", 400, "336##"}, {"Pittsburgh", 300, "152##"}, {"Cincinnati", 310, "452##"},
		{"St. Louis", 290, "631##"}, {"Orlando", 310, "328##"}, {"Buffalo", 275, "142##"},
		{"Madison", 270, "537##"}, {"Boise", 235, "837##"}, {"Richmond", 230, "232##"},
		{"Spokane", 230, "992##"}, {"Des Moines", 210, "503##"}, {"Salt Lake City", 200, "841##"},
	},
	"GB": {
		{"London", 8900, "SE## #AA"}, {"Birmingham", 1140, "B## #AA"}, {"Manchester", 550, "M## #AA"},
		{"Leeds", 810, "LS## #AA"}, {"Glasgow", 635, "G## #AA"}, {"Sheffield", 560, "S## #AA"},
		{"Bradford", 545, "BD# #AA"}, {"Liverpool", 500, "L## #AA"}, {"Edinburgh", 525, "EH## #AA"},
		{"Bristol", 470, "BS## #AA"}, {"Cardiff", 365, "CF## #AA"}, {"Leicester", 370, "LE# #AA"},
		{"Coventry", 345, "CV# #AA"}, {"Nottingham", 325, "NG# #AA"}, {"Newcastle upon Tyne", 300, "NE# #AA"},
		{"Belfast", 345, "BT# #AA"}, {"Brighton", 290, "BN# #AA"}, {"Hull", 265, "HU# #AA"},
		{"Plymouth", 265, "PL# #AA"}, {"Stoke-on-Trent", 255, "ST# #AA"}, {"Wolverhampton", 265, "WV# #AA"},
		{"Derby", 260, "DE## #AA"}, {"Southampton", 250, "SO## #AA"}, {"Portsmouth", 210, "PO# #AA"},
		{"Reading", 175, "RG# #AA"}, {"Aberdeen", 200, "AB## #AA"}, {"Swansea", 245, "SA# #AA"},
		{"Norwich", 145, "NR# #AA"}, {"York", 205, "YO## #AA"}, {"Oxford", 160, "OX# #AA"},
		{"Cambridge", 145, "CB# #AA"}, {"Exeter", 130, "EX# #AA"}, {"Dundee", 150, "DD# #AA"},
		{"Milton Keynes", 230, "MK## #AA"}, {"Luton", 225, "LU# #AA"}, {"Bolton", 195, "BL# #AA"},
	},
	"ES": {
		{"Madrid", 3300, "280##"}, {"Barcelona", 1640, "080##"}, {"Valencia", 800, "460##"},
		{"Sevilla", 685, "410##"}, {"Zaragoza", 675, "500##"}, {"Málaga", 580, "290##"},
		{"Murcia", 460, "300##"}, {"Palma", 420, "070##"}, {"Las Palmas de Gran Canaria", 380, "350##"},
		{"Bilbao", 345, "480##"}, {"Alicante", 340, "030##"}, {"Córdoba", 320, "140##"},
		{"Valladolid", 300, "470##"}, {"Vigo", 295, "362##"}, {"Gijón", 270, "332##"},
		{"L'Hospitalet de Llobregat", 265, "089##"}, {"Vitoria-Gasteiz", 255, "010##"},
		{"A Coruña", 245, "150##"}, {"Elche", 235, "032##"}, {"Granada", 230, "180##"},
		{"Oviedo", 220, "330##"}, {"Badalona", 220, "089##"}, {"Cartagena", 215, "302##"},
		{"Terrassa", 220, "082##"}, {"Jerez de la Frontera", 212, "114##"}, {"Sabadell", 215, "082##"},
		{"Pamplona", 200, "310##"}, {"Almería", 200, "040##"}, {"Santander", 172, "390##"},
		{"Burgos", 175, "090##"}, {"Salamanca", 145, "370##"}, {"Logroño", 150, "260##"},
		{"San Sebastián", 188, "200##"}, {"Castellón de la Plana", 172, "120##"}, {"León", 122, "240##"},
	},
}

// cumulative weights per region, for binary-search sampling
var cum = func() map[string][]uint32 {
	out := make(map[string][]uint32, len(cities))
	for r, cs := range cities {
		var total uint32
		c := make([]uint32, len(cs))
		for i, x := range cs {
			total += x.weight
			c[i] = total
		}
		out[r] = c
	}
	return out
}()

// City draws a city of region by population, with a postcode of its shape.
// It returns "", "" for an unknown region.
func City(r *rand.Rand, region string) (name, postcode string) {
	c := cum[region]
	if len(c) == 0 {
		return "", ""
	}
	x := r.Uint32N(c[len(c)-1])
	i := sort.Search(len(c), func(i int) bool { return c[i] > x })
	cy := cities[region][i]
	return cy.name, fill(r, cy.postcode)
}

// fill replaces '#' with a digit and 'A' with an upper-case letter.
func fill(r *rand.Rand, pattern string) string {
	b := []byte(pattern)
	for i, c := range b {
		switch c {
		case '#':
			b[i] = '0' + byte(r.IntN(10))
		case 'A':
			b[i] = "ABDEFGHJLNPQRSTUWXYZ"[r.IntN(20)] // letters Royal Mail uses in inward codes
		}
	}
	return string(b)
}

var trades = map[string][]string{
	"US": {"Plumbing", "Dental", "Landscaping", "Auto Repair", "Realty", "Insurance Agency", "Bakery",
		"Construction", "Electric", "Consulting", "Family Dentistry", "Roofing", "Accounting", "Logistics",
		"Veterinary Clinic", "Law Office", "Flooring", "HVAC", "Painting", "Catering"},
	"GB": {"Plumbing", "Builders", "Joinery", "Electrical", "Motors", "Estate Agents", "Accountants",
		"Solicitors", "Bakery", "Landscapes", "Roofing", "Decorators", "Haulage", "Dental Practice",
		"Opticians", "Catering", "Lettings", "Garage Services", "Carpentry", "Cleaning Services"},
	"ES": {"Fontanería", "Construcciones", "Asesoría", "Inmobiliaria", "Talleres", "Electricidad",
		"Reformas", "Clínica Dental", "Transportes", "Panadería", "Abogados", "Carpintería",
		"Seguros", "Consultoría", "Jardinería", "Distribuciones", "Instalaciones", "Ópticas"},
}

// Company makes a small-business name from a family name and a trade, the way
// most customers' employers are named: "Brennan Roofing", "Hughes & Sons
// Joinery", "Construcciones García SL".
func Company(r *rand.Rand, region, family string) string {
	t := trades[region]
	if len(t) == 0 || family == "" {
		return ""
	}
	trade := t[r.IntN(len(t))]
	switch region {
	case "ES":
		suffix := [...]string{"SL", "SL", "SA", "SLU"}[r.IntN(4)]
		return trade + " " + family + " " + suffix
	case "GB":
		switch r.IntN(5) {
		case 0:
			return family + " & Sons " + trade
		case 1:
			return family + " " + trade + " Ltd"
		}
		return family + " " + trade
	}
	switch r.IntN(5) {
	case 0:
		return family + " " + trade + " LLC"
	case 1:
		return family + " & Co " + trade
	}
	return family + " " + trade
}
