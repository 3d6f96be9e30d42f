"""A board's log(line) (boards/README.md): every line into its `log_ring` (the field console's
log()), and shown on its console: through the field console once it runs (`console`, which
holds lines back while a person types or mpremote speaks), else printed."""


class ConsoleLog:
    def log(self, line):
        self.log_ring.append(line)
        if self.console is not None:
            self.console.show_log(line)
        else:
            print(line)
