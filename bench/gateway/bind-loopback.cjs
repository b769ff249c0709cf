// Preload (node --require) for peers that have no host option (supergateway): every listen() binds 127.0.0.1, and
// the bound port is written to the file named by $BENCH_PORT_FILE, so the peer can be started with --port 0.
const net = require("node:net");
const fs = require("node:fs");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "object" && args[0] !== null) args[0] = { ...args[0], host: "127.0.0.1" };
  else if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = args[0];
    const cb = args.find((a) => typeof a === "function");
    args = cb ? [port, "127.0.0.1", cb] : [port, "127.0.0.1"];
  }
  this.once("listening", () => {
    const a = this.address();
    if (process.env.BENCH_PORT_FILE && a && typeof a === "object") fs.writeFileSync(process.env.BENCH_PORT_FILE, String(a.port));
  });
  return listen.apply(this, args);
};
