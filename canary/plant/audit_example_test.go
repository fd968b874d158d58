package plant_test

import (
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/honeyseed/honeyseed/canary/plant"
)

func ExampleAudit() {
	// An insider's export of the host (here 200 rows with a plan), and the
	// rows the seeds would add, which leave plan empty.
	export := "id,email,plan\n"
	for i := 1; i <= 200; i++ {
		export += fmt.Sprintf("%d,customer%d@mail.example,%s\n", i, i, []string{"annual", "monthly"}[i%2])
	}
	host, err := plant.ReadCSVRows(strings.NewReader(export), plant.CSVRowOptions{})
	if err != nil {
		log.Fatal(err)
	}
	var seeds []plant.Row
	for i := 1; i <= 20; i++ {
		seeds = append(seeds, plant.Row{
			"id":    {String: fmt.Sprint(200 + 7*i), Valid: true},
			"email": {String: fmt.Sprintf("seed%d@mail.example", i), Valid: true},
			"plan":  {}, // NULL
		})
	}

	report, err := plant.Audit(host, seeds, plant.AuditOptions{})
	if err != nil {
		log.Fatal(err)
	}
	tell, _ := report.Tell("empty-column pattern")
	fmt.Printf("%s: AUC %.2f, over the threshold: %v\n", tell.Name, tell.AUC, tell.Over)
	fmt.Println("passed:", report.Passed())
	err = &plant.AuditError{Report: report} // what Plant, the Dripper and WriteCSV return
	fmt.Println(errors.Is(err, plant.ErrAuditFailed))
	// Output:
	// empty-column pattern: AUC 1.00, over the threshold: true
	// passed: false
	// true
}
