package plant

// A realistic consumer support table, made without any of honeyseed's own
// code or tables, for the audit's tests: if seeds pass against it, it is
// not because both were drawn from the same lists.
//
// Everything here is test data inside a table. Every domain is a reserved
// one, the big providers' under names standing for theirs; every number is
// in the 555-0100..0199 range NANP keeps for fiction, in an area code of the
// customer's place.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// weighted is a value and its relative frequency.
type weighted struct {
	v string
	w float64
}

// pick draws from a weighted list.
func pick(r *rand.Rand, list []weighted) string {
	total := 0.0
	for _, e := range list {
		total += e.w
	}
	x := r.Float64() * total
	for _, e := range list {
		if x -= e.w; x < 0 {
			return e.v
		}
	}
	return list[len(list)-1].v
}

// Given names with rough US frequencies (per thousand people of that sex).
var (
	hostFemale = []weighted{
		{"Mary", 26}, {"Patricia", 11}, {"Jennifer", 11}, {"Linda", 10}, {"Elizabeth", 9}, {"Barbara", 9},
		{"Susan", 8}, {"Jessica", 8}, {"Sarah", 8}, {"Karen", 7}, {"Lisa", 7}, {"Nancy", 7}, {"Betty", 6},
		{"Margaret", 6}, {"Sandra", 6}, {"Ashley", 6}, {"Kimberly", 5}, {"Emily", 5}, {"Donna", 5},
		{"Michelle", 5}, {"Carol", 5}, {"Amanda", 5}, {"Dorothy", 5}, {"Melissa", 5}, {"Deborah", 4},
		{"Stephanie", 4}, {"Rebecca", 4}, {"Sharon", 4}, {"Laura", 4}, {"Cynthia", 4}, {"Kathleen", 4},
		{"Amy", 4}, {"Angela", 4}, {"Shirley", 3}, {"Anna", 3}, {"Brenda", 3}, {"Pamela", 3}, {"Emma", 3},
		{"Nicole", 3}, {"Helen", 3}, {"Samantha", 3}, {"Katherine", 3}, {"Christine", 3}, {"Debra", 3},
		{"Rachel", 3}, {"Carolyn", 3}, {"Janet", 3}, {"Catherine", 3}, {"Maria", 3}, {"Heather", 3},
		{"Diane", 2}, {"Ruth", 2}, {"Julie", 2}, {"Olivia", 2}, {"Joyce", 2}, {"Virginia", 2},
		{"Victoria", 2}, {"Kelly", 2}, {"Lauren", 2}, {"Christina", 2}, {"Joan", 2}, {"Evelyn", 2},
		{"Judith", 2}, {"Megan", 2}, {"Andrea", 2}, {"Cheryl", 2}, {"Hannah", 2}, {"Jacqueline", 2},
		{"Martha", 2}, {"Gloria", 2}, {"Teresa", 2}, {"Ann", 2}, {"Sara", 2}, {"Madison", 2}, {"Frances", 2},
		{"Kathryn", 2}, {"Janice", 2}, {"Jean", 2}, {"Abigail", 2}, {"Alice", 2}, {"Judy", 2}, {"Sophia", 2},
		{"Grace", 2}, {"Denise", 2}, {"Amber", 2}, {"Doris", 2}, {"Marilyn", 2}, {"Danielle", 2},
		{"Beverly", 2}, {"Isabella", 2}, {"Theresa", 2}, {"Diana", 2}, {"Natalie", 2}, {"Brittany", 2},
		{"Charlotte", 2}, {"Marie", 2}, {"Kayla", 2}, {"Alexis", 2}, {"Lori", 2},
		{"Guadalupe", 1}, {"Ximena", 0.3}, {"Priya", 0.5}, {"Mei", 0.4}, {"Yesenia", 0.4}, {"Tamika", 0.5},
		{"Shanice", 0.3}, {"Marisol", 0.5}, {"Ingrid", 0.4}, {"Rosalind", 0.3}, {"Thuy", 0.3}, {"Aaliyah", 0.6},
		{"Esperanza", 0.3}, {"Bernadette", 0.5}, {"Winifred", 0.2}, {"Lakisha", 0.3}, {"Svetlana", 0.2},
	}
	hostMale = []weighted{
		{"James", 33}, {"John", 33}, {"Robert", 31}, {"Michael", 27}, {"William", 25}, {"David", 24},
		{"Richard", 16}, {"Charles", 15}, {"Joseph", 15}, {"Thomas", 14}, {"Christopher", 11},
		{"Daniel", 10}, {"Paul", 10}, {"Mark", 10}, {"Donald", 10}, {"George", 9}, {"Kenneth", 8},
		{"Steven", 8}, {"Edward", 8}, {"Brian", 7}, {"Ronald", 7}, {"Anthony", 7}, {"Kevin", 7},
		{"Jason", 6}, {"Matthew", 6}, {"Gary", 6}, {"Timothy", 6}, {"Jose", 6}, {"Larry", 6},
		{"Jeffrey", 6}, {"Frank", 5}, {"Scott", 5}, {"Eric", 5}, {"Stephen", 5}, {"Andrew", 5},
		{"Raymond", 4}, {"Gregory", 4}, {"Joshua", 4}, {"Jerry", 4}, {"Dennis", 4}, {"Walter", 4},
		{"Patrick", 4}, {"Peter", 4}, {"Harold", 4}, {"Douglas", 4}, {"Henry", 4}, {"Carl", 3},
		{"Arthur", 3}, {"Ryan", 3}, {"Roger", 3}, {"Joe", 3}, {"Juan", 3}, {"Jack", 3}, {"Albert", 3},
		{"Jonathan", 3}, {"Justin", 3}, {"Terry", 3}, {"Gerald", 3}, {"Keith", 3}, {"Samuel", 3},
		{"Willie", 3}, {"Ralph", 3}, {"Lawrence", 3}, {"Nicholas", 3}, {"Roy", 3}, {"Benjamin", 3},
		{"Bruce", 2}, {"Brandon", 2}, {"Adam", 2}, {"Harry", 2}, {"Fred", 2}, {"Wayne", 2}, {"Billy", 2},
		{"Steve", 2}, {"Louis", 2}, {"Jeremy", 2}, {"Aaron", 2}, {"Randy", 2}, {"Howard", 2},
		{"Eugene", 2}, {"Carlos", 2}, {"Russell", 2}, {"Bobby", 2}, {"Victor", 2}, {"Martin", 2},
		{"Ernest", 2}, {"Phillip", 2}, {"Todd", 2}, {"Jesse", 2}, {"Craig", 2}, {"Alan", 2}, {"Shawn", 2},
		{"Clarence", 2}, {"Sean", 2}, {"Philip", 2}, {"Chris", 2}, {"Johnny", 2}, {"Earl", 2}, {"Jimmy", 2},
		{"Antonio", 2}, {"Luis", 2}, {"Tyler", 2}, {"Ethan", 2}, {"Noah", 2}, {"Liam", 1},
		{"Dmitri", 0.2}, {"Rahul", 0.4}, {"Tuan", 0.3}, {"Alejandro", 0.8}, {"Deshawn", 0.4}, {"Ezekiel", 0.3},
		{"Thaddeus", 0.2}, {"Lamar", 0.5}, {"Bartholomew", 0.1}, {"Cornelius", 0.3}, {"Ignacio", 0.3},
		{"Hiroshi", 0.2}, {"Olumide", 0.1}, {"Fitzgerald", 0.1}, {"Rosendo", 0.2},
	}
	// nicknames are how some customers give their name.
	hostNicknames = map[string][]string{
		"Robert": {"Bob", "Rob", "Bobby"}, "William": {"Bill", "Will", "Billy"}, "Richard": {"Rick", "Dick", "Rich"},
		"Michael": {"Mike"}, "James": {"Jim", "Jimmy"}, "Joseph": {"Joe"}, "Thomas": {"Tom", "Tommy"},
		"Christopher": {"Chris"}, "Daniel": {"Dan", "Danny"}, "Anthony": {"Tony"}, "Elizabeth": {"Liz", "Beth", "Betsy"},
		"Patricia": {"Pat", "Patty"}, "Jennifer": {"Jen", "Jenny"}, "Margaret": {"Peggy", "Maggie"},
		"Katherine": {"Kate", "Katie"}, "Kimberly": {"Kim"}, "Rebecca": {"Becky"}, "Deborah": {"Debbie", "Deb"},
		"Samantha": {"Sam"}, "Edward": {"Ed", "Eddie"}, "Steven": {"Steve"}, "Timothy": {"Tim"},
		"Matthew": {"Matt"}, "Nicholas": {"Nick"}, "Susan": {"Sue"}, "Victoria": {"Vicky"},
	}
)

// Family names: the common ones with rough frequencies per thousand, and
// parts the long tail of rarer names is made of (a real table's surnames
// are mostly rare).
var (
	hostFamily = []weighted{
		{"Smith", 8.8}, {"Johnson", 6.9}, {"Williams", 5.7}, {"Brown", 5.1}, {"Jones", 5.0}, {"Garcia", 3.0},
		{"Miller", 4.2}, {"Davis", 4.0}, {"Rodriguez", 2.8}, {"Martinez", 2.7}, {"Hernandez", 2.6},
		{"Lopez", 2.2}, {"Gonzalez", 2.1}, {"Wilson", 3.2}, {"Anderson", 3.1}, {"Thomas", 2.9},
		{"Taylor", 2.8}, {"Moore", 2.7}, {"Jackson", 2.7}, {"Martin", 2.6}, {"Lee", 2.4}, {"Perez", 1.8},
		{"Thompson", 2.5}, {"White", 2.5}, {"Harris", 2.3}, {"Sanchez", 1.8}, {"Clark", 2.2}, {"Ramirez", 1.6},
		{"Lewis", 2.1}, {"Robinson", 2.1}, {"Walker", 2.0}, {"Young", 1.9}, {"Allen", 1.9}, {"King", 1.9},
		{"Wright", 1.8}, {"Scott", 1.8}, {"Torres", 1.4}, {"Nguyen", 1.3}, {"Hill", 1.7}, {"Flores", 1.4},
		{"Green", 1.7}, {"Adams", 1.7}, {"Nelson", 1.6}, {"Baker", 1.6}, {"Hall", 1.6}, {"Rivera", 1.3},
		{"Campbell", 1.5}, {"Mitchell", 1.5}, {"Carter", 1.5}, {"Roberts", 1.5}, {"Gomez", 1.2},
		{"Phillips", 1.4}, {"Evans", 1.4}, {"Turner", 1.4}, {"Diaz", 1.2}, {"Parker", 1.4}, {"Cruz", 1.1},
		{"Edwards", 1.3}, {"Collins", 1.3}, {"Reyes", 1.1}, {"Stewart", 1.3}, {"Morris", 1.3}, {"Morales", 1.1},
		{"Murphy", 1.2}, {"Cook", 1.2}, {"Rogers", 1.2}, {"Gutierrez", 1.0}, {"Ortiz", 1.0}, {"Morgan", 1.2},
		{"Cooper", 1.2}, {"Peterson", 1.2}, {"Bailey", 1.1}, {"Reed", 1.1}, {"Kelly", 1.1}, {"Howard", 1.1},
		{"Ramos", 0.9}, {"Kim", 0.9}, {"Cox", 1.1}, {"Ward", 1.1}, {"Richardson", 1.1}, {"Watson", 1.0},
		{"Brooks", 1.0}, {"Chavez", 0.9}, {"Wood", 1.0}, {"James", 1.0}, {"Bennett", 1.0}, {"Gray", 1.0},
		{"Mendoza", 0.9}, {"Ruiz", 0.9}, {"Hughes", 1.0}, {"Price", 1.0}, {"Alvarez", 0.9}, {"Castillo", 0.8},
		{"Sanders", 1.0}, {"Patel", 0.8}, {"Myers", 1.0}, {"Long", 1.0}, {"Ross", 1.0}, {"Foster", 1.0},
		{"O'Brien", 0.5}, {"McDonald", 0.6}, {"MacKenzie", 0.1}, {"DeLuca", 0.1}, {"Van Dyke", 0.1},
	}
	hostTailStart = []string{"Ash", "Brad", "Kirk", "Hol", "Whit", "Thorn", "Pen", "Stan", "Wex", "Gal",
		"Mar", "Lind", "Roth", "Kess", "Brenn", "Dal", "Fair", "Hart", "Mor", "Nor", "Ost", "Pruitt",
		"Quin", "Ridg", "Stroh", "Tull", "Vand", "Wald", "Yoder", "Zell", "Bur", "Carl", "Dunn", "Eck",
		"Gold", "Black", "Sil", "Ham", "Mont", "Rich", "Stein", "Weiss", "Kra", "Lamb", "Pat", "Crans",
		"Ells", "Fitz", "Grims", "Hux", "Ing", "Jen", "Lang", "Mans", "Ogle", "Pres", "Ross", "Sel"}
	hostTailEnd = []string{"worth", "ley", "land", "comb", "field", "ton", "man", "berg", "er", "strom",
		"ick", "wood", "ham", "ford", "inger", "ridge", "well", "sby", "more", "ing", "vold", "son", "ell", "an",
		"stead", "bury", "dale", "hurst", "wick", "mann", "baum", "gren", "quist", "ard", "ett", "ley"}
	// hostGivenTail are rarer given names, of either sex.
	hostGivenTail = []string{"Alden", "Beverley", "Cassius", "Delphine", "Eamon", "Fern", "Gideon", "Hollis",
		"Isadora", "Jasper", "Kendra", "Lionel", "Mabel", "Nolan", "Odessa", "Porter", "Quincy", "Rosalie",
		"Silas", "Tamsin", "Ulysses", "Verna", "Wendell", "Yvette", "Zane", "Ansel", "Bianca", "Cletus",
		"Dorian", "Estelle", "Florian", "Greta", "Horace", "Imogen", "Jules", "Keturah", "Leland", "Marlowe",
		"Nadia", "Otis", "Pearl", "Rufus", "Selma", "Thelma", "Ursula", "Vaughn", "Wilma", "Xavier", "Yolanda",
		"Zelda", "Arlo", "Benita", "Cyrus", "Darcy", "Elmer", "Flora", "Garland", "Hester", "Ivan", "June",
		"Kermit", "Lorena", "Merle", "Nell", "Orville", "Petra", "Reba", "Sherman", "Trudy", "Vern"}
)

// Handles some customers use for an address, unrelated to their name.
var (
	hostHandleWords = []string{"bluesky", "tigerfan", "sunnyday", "gamerdude", "rosebud", "eagle", "hoosier",
		"cowboys", "mustang", "kittycat", "dragon", "angel", "bigdog", "shadow", "jazzman", "happyfeet",
		"pinkpanther", "wildcat", "surfer", "grandma", "nascar", "buckeye", "dolphin", "soccermom"}
	// The big mailbox providers, in their shares, under reserved names
	// standing for theirs: the test operator's owned mailboxes are made up
	// there, so no address of a stranger's appears.
	hostProviders = []weighted{
		{"gmail.example", 45}, {"yahoo.example", 16}, {"hotmail.example", 9}, {"outlook.example", 5}, {"icloud.example", 5},
		{"aol.example", 4}, {"comcast.example", 3}, {"att.example", 1.2}, {"verizon.example", 0.8}, {"msn.example", 0.6},
		{"live.example", 0.5}, {"sbcglobal.example", 0.5}, {"me.example", 0.4},
	}
	// Small domains: a family's or a small firm's, each held by one or two rows.
	hostSmallWords = []string{"harbor", "maple", "cedar", "summit", "pioneer", "lakeside", "redrock", "oak",
		"willow", "granite", "prairie", "coastal", "riverbend", "hilltop", "meadow", "northstar", "ironwood",
		"bayview", "sunrise", "valley", "copper", "silver", "eastside", "highland"}
	hostSmallKinds = []string{"law", "dental", "family", "farms", "realty", "design", "tech", "home", "mail",
		"net", "group", "works", "clinic", "church", "studio"}
	hostSmallTLDs = []string{".example", ".example.com", ".example.net", ".example.org", ".test"}
)

// hostPlace is a place with its population weight and area codes.
type hostPlace struct {
	city, state string
	w           float64
	areas       []string
}

var hostPlaces = []hostPlace{
	{"New York", "NY", 83, []string{"212", "718", "917", "646", "347", "929"}},
	{"Los Angeles", "CA", 38, []string{"213", "310", "323", "818", "424", "747"}},
	{"Chicago", "IL", 27, []string{"312", "773", "872"}}, {"Houston", "TX", 23, []string{"713", "281", "832", "346"}},
	{"Phoenix", "AZ", 16, []string{"602", "480", "623"}}, {"Philadelphia", "PA", 15, []string{"215", "267", "445"}},
	{"San Antonio", "TX", 14, []string{"210", "726"}}, {"San Diego", "CA", 13, []string{"619", "858"}},
	{"Dallas", "TX", 13, []string{"214", "469", "972"}}, {"San Jose", "CA", 10, []string{"408", "669"}},
	{"Austin", "TX", 9.6, []string{"512", "737"}}, {"Jacksonville", "FL", 9.5, []string{"904"}},
	{"Fort Worth", "TX", 9.3, []string{"817", "682"}}, {"Columbus", "OH", 9, []string{"614", "380"}},
	{"Charlotte", "NC", 8.8, []string{"704", "980"}}, {"Indianapolis", "IN", 8.8, []string{"317", "463"}},
	{"San Francisco", "CA", 8.1, []string{"415", "628"}}, {"Seattle", "WA", 7.5, []string{"206"}},
	{"Denver", "CO", 7.1, []string{"303", "720"}}, {"Nashville", "TN", 6.8, []string{"615", "629"}},
	{"Oklahoma City", "OK", 6.9, []string{"405"}}, {"Washington", "DC", 6.8, []string{"202"}},
	{"El Paso", "TX", 6.8, []string{"915"}}, {"Las Vegas", "NV", 6.5, []string{"702", "725"}},
	{"Boston", "MA", 6.5, []string{"617", "857"}}, {"Portland", "OR", 6.3, []string{"503", "971"}},
	{"Louisville", "KY", 6.2, []string{"502"}}, {"Memphis", "TN", 6.2, []string{"901"}},
	{"Detroit", "MI", 6.2, []string{"313"}}, {"Baltimore", "MD", 5.7, []string{"410", "443"}},
	{"Milwaukee", "WI", 5.6, []string{"414"}}, {"Albuquerque", "NM", 5.6, []string{"505"}},
	{"Tucson", "AZ", 5.4, []string{"520"}}, {"Fresno", "CA", 5.4, []string{"559"}},
	{"Sacramento", "CA", 5.2, []string{"916", "279"}}, {"Mesa", "AZ", 5, []string{"480"}},
	{"Kansas City", "MO", 5.1, []string{"816"}}, {"Atlanta", "GA", 5, []string{"404", "470", "678"}},
	{"Omaha", "NE", 4.8, []string{"402", "531"}}, {"Colorado Springs", "CO", 4.8, []string{"719"}},
	{"Raleigh", "NC", 4.7, []string{"919", "984"}}, {"Miami", "FL", 4.5, []string{"305", "786"}},
	{"Minneapolis", "MN", 4.2, []string{"612"}}, {"Tulsa", "OK", 4.1, []string{"918"}},
	{"Cleveland", "OH", 3.7, []string{"216"}}, {"Tampa", "FL", 4, []string{"813"}},
	{"Pittsburgh", "PA", 3, []string{"412"}}, {"Cincinnati", "OH", 3.1, []string{"513"}},
	{"St. Louis", "MO", 2.9, []string{"314"}}, {"Orlando", "FL", 3.1, []string{"407", "689"}},
	{"Buffalo", "NY", 2.7, []string{"716"}}, {"Madison", "WI", 2.7, []string{"608"}},
	{"Boise", "ID", 2.3, []string{"208"}}, {"Richmond", "VA", 2.3, []string{"804"}},
	{"Spokane", "WA", 2.2, []string{"509"}}, {"Des Moines", "IA", 2.1, []string{"515"}},
	{"Birmingham", "AL", 2, []string{"205"}}, {"Rochester", "NY", 2.1, []string{"585"}},
	{"Salt Lake City", "UT", 2, []string{"801", "385"}}, {"Little Rock", "AR", 2, []string{"501"}},
	{"Jackson", "MS", 1.5, []string{"601", "769"}}, {"Charleston", "SC", 1.5, []string{"843"}},
	{"Hartford", "CT", 1.2, []string{"860"}}, {"Providence", "RI", 1.9, []string{"401"}},
	{"Anchorage", "AK", 2.9, []string{"907"}}, {"Honolulu", "HI", 3.5, []string{"808"}},
	{"Wichita", "KS", 3.9, []string{"316"}}, {"New Orleans", "LA", 3.8, []string{"504"}},
	{"Billings", "MT", 1.2, []string{"406"}}, {"Fargo", "ND", 1.3, []string{"701"}},
	{"Sioux Falls", "SD", 2, []string{"605"}}, {"Burlington", "VT", 0.5, []string{"802"}},
	{"Manchester", "NH", 1.2, []string{"603"}}, {"Portland", "ME", 0.7, []string{"207"}},
	{"Cheyenne", "WY", 0.7, []string{"307"}}, {"Wilmington", "DE", 0.7, []string{"302"}},
	{"Newark", "NJ", 3.1, []string{"973", "862"}}, {"Jersey City", "NJ", 2.9, []string{"201", "551"}},
	{"Charleston", "WV", 0.5, []string{"304", "681"}}, {"Reno", "NV", 2.6, []string{"775"}},
	{"Greenville", "SC", 0.7, []string{"864"}}, {"Knoxville", "TN", 1.9, []string{"865"}},
	{"Lexington", "KY", 3.2, []string{"859"}}, {"Toledo", "OH", 2.7, []string{"419", "567"}},
	{"Grand Rapids", "MI", 2, []string{"616"}}, {"Ann Arbor", "MI", 1.2, []string{"734"}},
	{"Syracuse", "NY", 1.4, []string{"315", "680"}}, {"Albany", "NY", 1, []string{"518", "838"}},
	{"Savannah", "GA", 1.5, []string{"912"}}, {"Pensacola", "FL", 0.5, []string{"850"}},
	{"Tallahassee", "FL", 2, []string{"850"}}, {"Gainesville", "FL", 1.4, []string{"352"}},
	{"Shreveport", "LA", 1.8, []string{"318"}}, {"Lubbock", "TX", 2.6, []string{"806"}},
	{"Amarillo", "TX", 2, []string{"806"}}, {"Waco", "TX", 1.4, []string{"254"}},
	{"Tyler", "TX", 1.1, []string{"430", "903"}}, {"Corpus Christi", "TX", 3.2, []string{"361"}},
	{"Bakersfield", "CA", 4, []string{"661"}}, {"Stockton", "CA", 3.2, []string{"209"}},
	{"Riverside", "CA", 3.2, []string{"951"}}, {"Santa Rosa", "CA", 1.8, []string{"707"}},
	{"Eugene", "OR", 1.8, []string{"541", "458"}}, {"Tacoma", "WA", 2.2, []string{"253"}},
	{"Flagstaff", "AZ", 0.8, []string{"928"}}, {"Santa Fe", "NM", 0.9, []string{"505"}},
	{"Provo", "UT", 1.2, []string{"801", "385"}}, {"Fort Collins", "CO", 1.7, []string{"970"}},
	{"Duluth", "MN", 0.9, []string{"218"}}, {"Rochester", "MN", 1.2, []string{"507"}},
	{"Green Bay", "WI", 1.1, []string{"920"}}, {"Peoria", "IL", 1.1, []string{"309"}},
	{"Springfield", "IL", 1.1, []string{"217"}}, {"Springfield", "MO", 1.7, []string{"417"}},
	{"Springfield", "MA", 1.5, []string{"413"}}, {"Evansville", "IN", 1.2, []string{"812", "930"}},
	{"Fort Wayne", "IN", 2.6, []string{"260"}}, {"Akron", "OH", 1.9, []string{"330", "234"}},
	{"Dayton", "OH", 1.4, []string{"937"}}, {"Erie", "PA", 0.9, []string{"814"}},
	{"Allentown", "PA", 1.2, []string{"610", "484"}}, {"Scranton", "PA", 0.8, []string{"570"}},
	{"Trenton", "NJ", 0.9, []string{"609", "640"}}, {"Stamford", "CT", 1.3, []string{"203", "475"}},
	{"Worcester", "MA", 2, []string{"508", "774"}}, {"Bangor", "ME", 0.3, []string{"207"}},
	{"Norfolk", "VA", 2.4, []string{"757"}}, {"Roanoke", "VA", 1, []string{"540"}},
	{"Asheville", "NC", 0.9, []string{"828"}}, {"Wilmington", "NC", 1.2, []string{"910"}},
	{"Columbia", "SC", 1.4, []string{"803", "839"}}, {"Augusta", "GA", 2, []string{"706", "762"}},
	{"Mobile", "AL", 1.9, []string{"251"}}, {"Huntsville", "AL", 2.1, []string{"256", "938"}},
	{"Chattanooga", "TN", 1.8, []string{"423"}}, {"Topeka", "KS", 1.3, []string{"785"}},
	{"Lincoln", "NE", 2.9, []string{"402", "531"}}, {"Cedar Rapids", "IA", 1.3, []string{"319"}},
	{"Davenport", "IA", 1, []string{"563"}}, {"Missoula", "MT", 0.7, []string{"406"}},
	{"Bismarck", "ND", 0.7, []string{"701"}}, {"Rapid City", "SD", 0.8, []string{"605"}},
	{"Casper", "WY", 0.6, []string{"307"}}, {"Idaho Falls", "ID", 0.6, []string{"208", "986"}},
	{"Juneau", "AK", 0.3, []string{"907"}}, {"Hilo", "HI", 0.5, []string{"808"}},
}

// Most people live outside the big cities: the top 200 US places hold a
// fifth of the population. The rest of a table's rows are in towns that
// appear once or twice each, made here from common parts of town names, in
// a state drawn by population, with one of that state's area codes.
var (
	hostStates = []weighted{
		{"CA", 39}, {"TX", 30}, {"FL", 22}, {"NY", 19.6}, {"PA", 13}, {"IL", 12.5}, {"OH", 11.8}, {"GA", 11},
		{"NC", 10.8}, {"MI", 10}, {"NJ", 9.3}, {"VA", 8.7}, {"WA", 7.8}, {"AZ", 7.4}, {"TN", 7.1}, {"MA", 7},
		{"IN", 6.8}, {"MO", 6.2}, {"MD", 6.2}, {"WI", 5.9}, {"CO", 5.8}, {"MN", 5.7}, {"SC", 5.3}, {"AL", 5.1},
		{"LA", 4.6}, {"KY", 4.5}, {"OR", 4.2}, {"OK", 4}, {"CT", 3.6}, {"UT", 3.4}, {"IA", 3.2}, {"NV", 3.2},
		{"AR", 3}, {"MS", 2.9}, {"KS", 2.9}, {"NM", 2.1}, {"NE", 2}, {"ID", 1.9}, {"WV", 1.8}, {"HI", 1.4},
		{"NH", 1.4}, {"ME", 1.4}, {"MT", 1.1}, {"RI", 1.1}, {"DE", 1}, {"SD", 0.9}, {"ND", 0.8}, {"AK", 0.7},
		{"DC", 0.7}, {"VT", 0.65}, {"WY", 0.58},
	}
	hostTownStart = []string{"Oak", "Maple", "Cedar", "Pine", "Elm", "Fair", "Green", "Spring", "River", "Lake",
		"Brook", "Clear", "Rock", "Sun", "West", "North", "East", "South", "Mill", "Ash", "Glen", "Silver", "Bell",
		"Frank", "Lin", "Mad", "Clin", "Har", "Wood", "Stone"}
	hostTownEnd = []string{"ville", "dale", "field", "wood", "ton", "view", "ford", "burg", "port", " Springs",
		" City", "wood Park", "land", "ridge", "mont"}
	// hostStateAreas are each state's area codes, from hostPlaces.
	hostStateAreas = func() map[string][]string {
		m := map[string][]string{}
		for _, p := range hostPlaces {
			m[p.state] = append(m[p.state], p.areas...)
		}
		return m
	}()
)

// place draws where a new customer lives: a listed city by its weight, or,
// for most, a small town.
func (g *hostGen) place() hostPlace {
	if g.r.Float64() < 0.35 {
		return hostPlaces[pickPlace(g.r)]
	}
	state := pick(g.r, hostStates)
	town := hostTownStart[g.r.IntN(len(hostTownStart))] + hostTownEnd[g.r.IntN(len(hostTownEnd))]
	return hostPlace{city: town, state: state, areas: hostStateAreas[state]}
}

// hostOwned are the numbers the operator's seeds use in the tests: no host
// row may hold one, as no real customer can hold the operator's numbers.
var hostOwned = func() map[string]bool {
	m := map[string]bool{}
	for i := 180; i < 200; i++ {
		m[fmt.Sprintf("415555%04d", i)] = true
		m[fmt.Sprintf("212555%04d", i)] = true
	}
	for _, a := range ownedAreas {
		for i := 198; i < 200; i++ {
			m[fmt.Sprintf("%s555%04d", a, i)] = true
		}
	}
	// Lines 196 to 199 of every area the host's customers live in: the
	// realistic-host test's operator holds numbers where they do.
	for _, p := range hostPlaces {
		for _, a := range p.areas {
			for i := 196; i < 200; i++ {
				m[fmt.Sprintf("%s555%04d", a, i)] = true
			}
		}
	}
	return m
}()

// ownedAreas are area codes across the country where the realistic-host
// test's operator holds two numbers each, as an operator planting into a
// national table buys numbers where its customers live.
var ownedAreas = []string{"312", "713", "602", "215", "214", "305", "404", "206", "617", "303",
	"614", "704", "313", "615", "702", "503", "612", "410", "816", "916"}

// hostRow is one customer of the host table; "" is NULL.
type hostRow struct {
	id                         int64
	first, last, email, phone  string
	ticket                     string
	created                    time.Time
	city, state, product, plan string
}

// hostGen makes the host's customers in creation order. It is not safe
// for concurrent use.
type hostGen struct {
	r       *rand.Rand
	id      int64
	ticket  int64
	emails  map[string]bool
	phones  map[string]bool
	from    time.Time
	house   []hostRow // the household being filled, if any
	houseN  int
	growth  float64 // how much faster customers arrive at the end than at the start
	tickets float64 // ticket numbers per new customer, rising with time
}

func newHostGen(seed uint64, from time.Time) *hostGen {
	return &hostGen{
		r: rand.New(rand.NewPCG(seed, 77)), id: 1000, ticket: 4_100_000,
		emails: map[string]bool{}, phones: map[string]bool{}, from: from, growth: 4, tickets: 3,
	}
}

// hostTable makes n customers created over [from, to), in id order, ids
// following creation times, arrivals growing over time.
func (g *hostGen) hostTable(n int, to time.Time) []hostRow {
	span := to.Sub(g.from).Seconds()
	times := make([]time.Time, n)
	for i := range times {
		// Density rising linearly by a factor growth over the span: invert
		// the CDF of (1 + (growth-1)x) on [0, 1].
		u, a := g.r.Float64(), g.growth-1
		x := (math.Sqrt(1+a*(2+a)*u) - 1) / a
		times[i] = g.officeHours(g.from.Add(time.Duration(x * span * float64(time.Second))))
	}
	slices.SortFunc(times, time.Time.Compare)
	out := make([]hostRow, 0, n)
	for _, at := range times {
		out = append(out, g.next(at))
	}
	return out
}

// officeHours moves t to a busier hour of the same day with some chance:
// people sign up in the day and less at weekends.
func (g *hostGen) officeHours(t time.Time) time.Time {
	if h := t.Hour(); (h < 8 || h > 21) && g.r.Float64() < 0.8 {
		t = time.Date(t.Year(), t.Month(), t.Day(), 8+g.r.IntN(13), g.r.IntN(60), g.r.IntN(60), 0, time.UTC)
	}
	if wd := t.Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.r.Float64() < 0.4 {
		t = t.Add(time.Duration(2-int(wd)%6) * 24 * time.Hour) // to a Monday or Friday
	}
	return t
}

// openTicket is the host's help desk numbering a new customer's first
// ticket at at: the numbers other tickets took since the last one are
// skipped, more of them as support grows.
func (g *hostGen) openTicket(at time.Time) string {
	age := at.Sub(g.from).Hours() / 24 / 365
	g.ticket += 1 + g.r.Int64N(int64(g.tickets+age*2))
	return fmt.Sprintf("CS-%07d", g.ticket)
}

// next makes the customer created at at.
func (g *hostGen) next(at time.Time) hostRow {
	g.id++
	if g.r.Float64() < 0.03 { // a deleted row, a failed insert
		g.id += 1 + g.r.Int64N(4)
	}
	row := hostRow{id: g.id, ticket: g.openTicket(at), created: at}
	row.product = pick(g.r, []weighted{{"Antivirus Plus", 30}, {"Internet Security", 25}, {"Maximum Security", 20},
		{"VPN Proxy One", 10}, {"Password Manager", 8}, {"Cleaner One", 7}})
	if g.r.Float64() > 0.05 {
		row.plan = pick(g.r, []weighted{{"annual", 55}, {"monthly", 30}, {"2-year", 10}, {"trial", 5}})
	}

	if len(g.house) > 0 && g.houseN > 0 && g.r.Float64() < 0.5 {
		// Another member of a household: same family name, place and number.
		h := g.house[g.r.IntN(len(g.house))]
		row.last, row.city, row.state, row.phone = h.last, h.city, h.state, h.phone
		row.first = g.given(g.r.IntN(2) == 0)
		for row.first == h.first {
			row.first = g.given(g.r.IntN(2) == 0)
		}
		g.houseN--
	} else {
		female := g.r.IntN(2) == 0
		row.first, row.last = g.given(female), g.family()
		p := g.place()
		row.city, row.state = p.city, p.state
		if g.r.Float64() < 0.7 {
			areas := p.areas
			if g.r.Float64() < 0.12 { // moved, kept their number
				areas = g.place().areas
			}
			row.phone = g.phone(areas)
		}
		if row.phone != "" && g.r.Float64() < 0.08 {
			g.house, g.houseN = []hostRow{row}, 1+g.r.IntN(2)
		} else if g.houseN == 0 {
			g.house = nil
		}
	}
	row.email = g.email(row.first, row.last, at)
	g.messy(&row)
	return row
}

var hostPlaceTotal = func() float64 {
	t := 0.0
	for _, p := range hostPlaces {
		t += p.w
	}
	return t
}()

func pickPlace(r *rand.Rand) int {
	x := r.Float64() * hostPlaceTotal
	for i, p := range hostPlaces {
		if x -= p.w; x < 0 {
			return i
		}
	}
	return len(hostPlaces) - 1
}

func (g *hostGen) given(female bool) string {
	list := hostMale
	if female {
		list = hostFemale
	}
	name := pick(g.r, list)
	if g.r.Float64() < 0.12 {
		name = hostGivenTail[g.r.IntN(len(hostGivenTail))]
	}
	if nick, ok := hostNicknames[name]; ok && g.r.Float64() < 0.25 {
		name = nick[g.r.IntN(len(nick))]
	}
	return name
}

func (g *hostGen) family() string {
	if g.r.Float64() < 0.55 { // the long tail
		return hostTailStart[g.r.IntN(len(hostTailStart))] + hostTailEnd[g.r.IntN(len(hostTailEnd))]
	}
	return pick(g.r, hostFamily)
}

// phone returns an unused fictional number in one of areas, written as
// the host's forms mostly do; "" when none is left.
func (g *hostGen) phone(areas []string) string {
	for range 20 {
		area := areas[g.r.IntN(len(areas))]
		line := 100 + g.r.IntN(100)
		key := fmt.Sprintf("%s555%04d", area, line)
		if g.phones[key] || hostOwned[key] {
			continue
		}
		g.phones[key] = true
		switch x := g.r.Float64(); {
		case x < 0.80:
			return fmt.Sprintf("(%s) 555-%04d", area, line)
		case x < 0.92:
			return fmt.Sprintf("%s-555-%04d", area, line)
		default:
			return fmt.Sprintf("+1 %s 555 %04d", area, line)
		}
	}
	return ""
}

// email makes a unique address in one of the forms people use.
func (g *hostGen) email(first, last string, at time.Time) string {
	f := strings.ToLower(lettersOnly(first))
	l := strings.ToLower(lettersOnly(last))
	born := at.Year() - 18 - g.r.IntN(55)
	for attempt := 0; ; attempt++ {
		var local string
		switch x := g.r.Float64(); {
		case x < 0.15:
			local = hostHandleWords[g.r.IntN(len(hostHandleWords))] + fmt.Sprint(g.r.IntN(100))
		case x < 0.35:
			local = f + "." + l
		case x < 0.48:
			local = f + l
		case x < 0.60:
			local = f[:1] + l
		case x < 0.75:
			local = f + fmt.Sprint(born%100)
		case x < 0.85:
			local = f + "." + l + fmt.Sprint(g.r.IntN(100))
		case x < 0.92:
			local = f[:1] + l + fmt.Sprint(born)
		default:
			local = l + f[:1]
		}
		if attempt > 0 {
			local += fmt.Sprint(g.r.IntN(1000))
		}
		var domain string
		if g.r.Float64() < 0.9 {
			domain = pick(g.r, hostProviders)
		} else {
			domain = hostSmallWords[g.r.IntN(len(hostSmallWords))] + hostSmallKinds[g.r.IntN(len(hostSmallKinds))] +
				hostSmallTLDs[g.r.IntN(len(hostSmallTLDs))]
		}
		addr := local + "@" + domain
		if !g.emails[addr] {
			g.emails[addr] = true
			return addr
		}
	}
}

func lettersOnly(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// messy gives a row the irregularities real rows have.
func (g *hostGen) messy(row *hostRow) {
	switch x := g.r.Float64(); {
	case x < 0.04:
		row.first, row.last = strings.ToUpper(row.first), strings.ToUpper(row.last)
	case x < 0.07:
		row.first, row.last = strings.ToLower(row.first), strings.ToLower(row.last)
	case x < 0.10:
		row.first += " " + string(rune('A'+g.r.IntN(26))) + "."
	}
	if g.r.Float64() < 0.05 {
		local, domain, _ := strings.Cut(row.email, "@")
		if len(local) > 0 {
			row.email = strings.ToUpper(local[:1]) + local[1:] + "@" + domain
		}
		if g.r.Float64() < 0.3 {
			row.email = strings.ToUpper(row.email[:1]) + row.email[1:]
		}
	}
}
