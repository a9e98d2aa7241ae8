// Process entry of the `enpire` command (bin/enpire.js loads the built copy of this file).
import { main } from "./main.js";

await main(process.argv);
