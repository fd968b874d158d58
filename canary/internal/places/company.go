package places

import "math/rand/v2"

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
