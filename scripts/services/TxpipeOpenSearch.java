// Starts a one-node OpenSearch 2.19 with codelibs' OpenSearchRunner.
//
// Why not call OpenSearchRunner.main directly: its main() searches for a free
// HTTP port only up to 9299 (maxHttpPort), so with our base port 59200 it
// fails silently (exit 1, no message). This launcher raises that limit, keeps
// the runner's "HTTP Port: N" line (scripts/services/opensearch.sh reads it),
// gives the node the ingest role too, and prints why a start failed.
//
// Compiled by opensearch.sh into .services/jars/opensearch-launcher.
import java.io.IOException;

import org.codelibs.opensearch.runner.OpenSearchRunner;

public final class TxpipeOpenSearch {
    private TxpipeOpenSearch() {}

    public static void main(final String[] args) {
        final OpenSearchRunner runner = new OpenSearchRunner();
        // The runner probes base+1, base+2, ... up to this port.
        runner.setMaxHttpPort(Integer.getInteger("txpipe.maxHttpPort", 65535));
        runner.onBuild((index, settings) -> settings.putList("node.roles", "cluster_manager", "data", "ingest"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final IOException e) {
                e.printStackTrace();
            }
        }));
        try {
            runner.build(args);
            while (!runner.isClosed()) {
                Thread.sleep(5000);
            }
        } catch (final Throwable t) {
            System.err.println("OpenSearch failed to start:");
            t.printStackTrace();
            System.exit(1);
        }
    }
}
