// The setway command line. Placeholder until the scenarios land.
console.log('setway: nothing to run yet');
