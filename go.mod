module github.com/systembruker/systembruker

go 1.26.0
