package casing

import "strings"

// The INE tables spell names in capitals without accents (only Ñ and Ç are
// kept). The lists below restore the accented spelling of the words that
// carry most of the population mass in those tables. They were written by
// hand, word by word, for this project. The key of each entry is the word in
// capitals with its accents removed. Words not listed fall through to the
// stress rules in casing.go or are left without an accent.

// accentedWords is the main list: Spanish spellings, plus Catalan, Valencian
// and Galician ones where the word is not also a Spanish word.
const accentedWords = `
García Martín Díaz Marín Cortés Durán Román Andrés Galán Martí Macías Río
Ríos Guillén Beltrán Guzmán Tomás Santamaría Ávila Millán Lázaro Roldán Morán
Córdoba Cáceres Cárdenas Nicolás Solís Arévalo Marqués Cámara Mejías Barragán
Cebrián Solé Catalán Valdés Cánovas Frías Dávila Quirós Alcalá Galván Alcázar
Avilés Bartolomé Sebastián Abellán Garcés Borrás Barceló Jaén Álamo Verdú
Ferré Amorós Echevarría Echeverría Álvaro Alemán Úbeda Miró
Francés Mejía Merchán Luján Bernabé Tomé Caparrós Buendía
Ródenas Sanmartín Melián Peiró Julián Cuéllar Andújar Sepúlveda Céspedes
Adán Cristóbal Seguí Jesús Sacristán Yagüe Roselló María Perelló Megías
Cerdán Espín Valcárcel Mármol Matías Gavilán Sáenz Feijóo
Vizcaíno Castelló Alcántara Águila Álvarez Íñiguez Díez Antolín Sahagún
Bailén Bazán Farfán Gaitán Germán Jordán Milán Hernán Montalbán Albarracín
Almodóvar Medellín Cádiz Málaga Mérida Nájera Écija Páramo Bárcena Zúñiga
Múgica Gárate Arámburu Jáuregui Íñigo Inglés Portugués Aragonés Capellán
Bernabéu Domènech Pallarés Pagès Moltó Cantó Massó Ribó Farías Darías Elías
Tobías Louzán Lucía Ángel Ángeles Ángela Belén Agustín Valentín
Fermín Serafín Benjamín Delfín Joaquín Rubén Adrián Fabián Damián Ginés
Inés José Ramón Simón León Colón Gastón Tostón Lestón Bastón Antón Cantón
Montón Pontón Plantón Asunción Concepción Aarón

Rocío Sofía Estefanía Rosalía Fátima Mónica Verónica Bárbara Débora Águeda
Úrsula África Cándida Cándido Máximo Máxima Plácido Hipólito Teófilo Teófila
Jerónimo Jerónima Aníbal Néstor Héctor Víctor Óscar César Félix Raúl Saúl
Iván Josué Noé Noemí Salomé Desirée Desiré René Moisés Isaías Darío
Cesáreo Angélica Nélida Áurea Felícitas Dámaso Onésimo Tránsito Gádor
Aránzazu Estíbaliz Uxía Uxío Antía Xosé Xoán Xesús Lluís Lluïsa
Mercè Àngels Agustí Adrià Dídac Concepció Encarnació Assumpció Sebastià
Cristòfol
Brígida Plácida Eloísa Anaís Jonás Zacarías Felicísimo Genís Cástor Asís Abrahán
Emérita
`

// surnameWords are applied to surnames only: the given names Julia, Mari,
// Paris and Salva have no accent, the surnames Juliá, Marí, París and Salvá
// do. Most of the list is the less common surnames, many of them Catalan,
// Valencian or Balearic, written here in the Spanish-language spelling the
// civil register mostly uses (Sardá, Llinás).
var surnameWords = index(`Juliá Marí París Maciá Jordá Catalá Barberá
Expósito Montañés Rabadán Albarrán Escrivá Jódar Micó Bertrán Agüera Almazán
Durá Argüelles Tébar Machín Gandía Lledó Bolívar Terán Cózar Fontán Béjar
Abadía Rosselló Ferrándiz Liébana Párraga Sabaté Simó Agulló Payá Farré Hervás
Mendizábal Carbó Mollá Déniz Rúa Liñán Mondéjar Negrín Agüero Monzó Lavín
Zárate Pagán Córcoles Corbalán Ávalos Azorín Bauzá Gándara Alegría Magán
Pelegrín Gascó Palacín Espí Góngora Padín Illán Ortín Fornés Insúa Holguín
Nogués Clavería Solórzano Crespí Falcó Teixidó Tarín Argüello Armendáriz
Cárceles Colás Garrigós Ollé Llabrés Espínola Barquín Parés Gámiz Vergés Salvá
Ortí Capitán Oliván Arqués Aguiló Villén Capó Mascaró Gironés Alós Santín
Castán Barberán Buján Gambín Pernía Fábrega Forés Güell Górriz Payán Celdrán
Piqué Tárraga Carrió Marugán Farrés Herrán Tellería Sigüenza Colomé Mencía
Pampín Torné Mompó Carratalá Suñé Nácher Meliá Raventós Cabré Estellés Tarrés
Píriz Masía Tarragó Gañán Caballé Mallén Ortolá Azcárate Álava Estupiñán
Portolés Yébenes Anglés Carcelén Castellví Galmés Asín Escribá Megía Garín
Caramés Tardío Moscardó Furió Ripollés Benedí Sesé Navío Rozalén Allué
Escartín Setién Milián Penadés Currás Morín Cordobés Balbás Barandiarán
Albertí Uclés Pavía Cárcel Jácome Camprubí Puértolas Abelló Herrerías Sellés
Maté Lladó Baró Llácer Fábregas Uría Castellá Gayá Bellés Masó Pedrós Abuín
Férriz Femenía Fusté Gilí Sardá Llinás Rubí`)

// givenWords are spelled with an accent only as given names.
var givenWords = index(`Mía Lía Zoé`)

// catalanMarkers are given-name words that are Catalan only. When a compound
// given name has one of them, the words in catalanWords take their Catalan
// spelling instead of the Spanish one: "Josep Maria", not "Josep María".
var catalanMarkers = setOf(`JOSEP JOAN JORDI PERE FRANCESC LLUIS LLUISA ANTONI
MIQUEL JAUME DOLORS MERCE ANGELS CARME ROSER NEUS ENRIC CARLES SERGI AGUSTI
MARTI JOAQUIM IGNASI VICENT GUILLEM ADRIA CONCEPCIO ENCARNACIO ASSUMPCIO
ASSUMPTA MERITXELL JOSEPA BARTOMEU FERRAN`)

var catalanWords = index(`Maria Ramon Tomàs Àngel Mònica Glòria Núria`)

// noAccent are words that one of the stress rules would wrongly accent:
// stressed on the last syllable (Jerez, Valdez, Cortez), or foreign or
// Catalan names in -on (Gordon, Parramon).
var noAccent = setOf(`JEREZ VALDEZ CORTEZ GORDON BRANDON CAMERON MASON BACON
CONDON SOLOMON SIMION SPIRIDON SCRIDON OMORODION LAFON LEBON CHOCRON MARTON
EATON STANTON DILLON CAPDEPON CAMPRODON MASRAMON PARRAMON PERRAMON BADIMON
ARIMON MARIMON CASAUBON MAIMON SAMSON NIXON DIXON MACON DAVISON
FERGUSON HARRISON MORRISON GARRISON ELLISON ALLISON MADISON JAMIESON`)

// accented maps the unaccented capitals to the accented lower-case word.
var accented = func() map[string]string {
	m := index(accentedWords)
	m["CONCEICAO"] = "conceição" // Portuguese; the INE table drops the Ç too
	return m
}()

// knownApostrophe are surnames the US census writes without their
// apostrophe (OBRIEN). The INE table supplies more of them to the
// generator.
var knownApostrophe = strings.Fields(`O'BRIEN O'CONNOR O'NEILL O'NEAL O'NEIL
O'DONNELL O'CONNELL O'LEARY O'HARA O'MALLEY O'KEEFE O'ROURKE O'REILLY
O'SULLIVAN O'TOOLE O'SHEA O'GRADY O'BRYAN O'QUINN O'HARE O'MEARA O'MARA
O'CONNER O'BRYANT O'DAY O'BRIAN O'BOYLE O'LOUGHLIN O'HALLORAN O'SHAUGHNESSY
O'DEA O'CALLAGHAN O'HEARN O'DANIEL O'BANNON O'KELLEY O'KANE O'GORMAN
O'FARRELL O'BANION O'HANLON O'GARA O'KEEFFE O'HAGAN O'DOWD O'DONOGHUE
O'BERRY O'LAUGHLIN O'SHIELDS O'KELLY O'DRISCOLL O'HERN O'DWYER O'DONOVAN
O'FLAHERTY O'DOHERTY O'MALLY O'FALLON O'CAIN O'NEALL O'BRIANT O'DOUGHERTY
O'FLANAGAN O'MEALLY O'CONNORS O'DANIELS O'HIGGINS O'FERRALL O'FERRELL
O'HANLEY O'HEARNE O'BANNION O'CONELL O'DONAHUE O'DONNAL O'HEIR O'HAIR
D'ANGELO D'AMICO D'AMATO D'ALESSANDRO D'AGOSTINO D'ANDREA D'AMBROSIO
D'AURIA D'AMORE D'ALESSIO D'ANTONIO D'ONOFRIO D'ELIA D'AVANZO D'ERRICO
D'URSO D'ANIELLO D'AMELIO D'ARRIGO D'ADAMO D'ALFONSO D'AGATA D'AQUILA`)

// index builds the accent map from a list of accented words.
func index(list string) map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields(list) {
		m[strings.ToUpper(Strip(w))] = strings.ToLower(w)
	}
	return m
}

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// Strip removes acute and grave accents and diaeresis marks, keeping ñ and
// ç, which the INE tables keep too.
func Strip(s string) string {
	return strings.Map(func(c rune) rune {
		if b, ok := base[c]; ok {
			return b
		}
		return c
	}, s)
}

var base = map[rune]rune{
	'á': 'a', 'à': 'a', 'ä': 'a', 'â': 'a', 'é': 'e', 'è': 'e', 'ë': 'e', 'ê': 'e',
	'í': 'i', 'ì': 'i', 'ï': 'i', 'î': 'i', 'ó': 'o', 'ò': 'o', 'ö': 'o', 'ô': 'o',
	'ú': 'u', 'ù': 'u', 'ü': 'u', 'û': 'u', 'ã': 'a', 'õ': 'o',
	'Á': 'A', 'À': 'A', 'Ä': 'A', 'Â': 'A', 'É': 'E', 'È': 'E', 'Ë': 'E', 'Ê': 'E',
	'Í': 'I', 'Ì': 'I', 'Ï': 'I', 'Î': 'I', 'Ó': 'O', 'Ò': 'O', 'Ö': 'O', 'Ô': 'O',
	'Ú': 'U', 'Ù': 'U', 'Ü': 'U', 'Û': 'U', 'Ã': 'A', 'Õ': 'O',
}
