console.log("taskpane")
