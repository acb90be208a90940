// Command report prints the orders of the customer named on the command line.
package main

import (
	"database/sql"
	"fmt"
	"log"
	"os"
)

func main() {
	db, err := sql.Open("postgres", "dbname=shop sslmode=disable")
	if err != nil {
		log.Fatal(err)
	}
	customer := os.Args[1]
	rows, err := db.Query("SELECT id, total FROM orders WHERE customer = '" + customer + "'")
	if err != nil {
		log.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		var total float64
		if err := rows.Scan(&id, &total); err != nil {
			log.Fatal(err)
		}
		fmt.Println(id, total)
	}
}
