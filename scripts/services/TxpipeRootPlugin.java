// GET / (and HEAD /) for the Elasticsearch that scripts/services/elasticsearch.sh runs.
//
// Elastic's integ-test-zip has no rest-root module, so `GET /` answers 405 and the official
// clients' info()/ping() fail, as do tools that ask the root first (Kibana, curl checks). This
// plugin answers it with what the rest-root module says: the node's name, the cluster's name and
// uuid, the version and build, and the tagline.
//
// elasticsearch.sh compiles it with `javac --release 17` against the distribution's lib/ and
// installs it as plugins/txpipe-root with a plugin-descriptor.properties whose
// elasticsearch.version is the distribution's own (Elasticsearch refuses any other).
package txpipe.elasticsearch;

import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterName;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

public final class TxpipeRootPlugin extends Plugin implements ActionPlugin {
    private volatile ClusterService clusterService;

    @Override
    public Collection<?> createComponents(final PluginServices services) {
        clusterService = services.clusterService();
        return List.of();
    }

    @Override
    public List<RestHandler> getRestHandlers(
        final Settings settings,
        final NamedWriteableRegistry namedWriteableRegistry,
        final RestController restController,
        final ClusterSettings clusterSettings,
        final IndexScopedSettings indexScopedSettings,
        final SettingsFilter settingsFilter,
        final IndexNameExpressionResolver indexNameExpressionResolver,
        final Supplier<DiscoveryNodes> nodesInCluster,
        final Predicate<NodeFeature> clusterSupportsFeature
    ) {
        return List.of(new Root(settings));
    }

    private final class Root extends BaseRestHandler {
        private final String nodeName;
        private final String clusterName;

        Root(final Settings settings) {
            nodeName = Node.NODE_NAME_SETTING.get(settings);
            clusterName = ClusterName.CLUSTER_NAME_SETTING.get(settings).value();
        }

        @Override
        public String getName() {
            return "txpipe_root_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        public boolean canTripCircuitBreaker() {
            return false;
        }

        @Override
        protected RestChannelConsumer prepareRequest(final RestRequest request, final NodeClient client) {
            return channel -> {
                final Build build = Build.current();
                final ClusterService cluster = clusterService;
                final String uuid = cluster == null ? "_na_" : cluster.state().metadata().clusterUUID();
                final XContentBuilder body = channel.newBuilder();
                if (request.hasParam("pretty") == false) {
                    body.prettyPrint().lfAtEnd();
                }
                body.startObject();
                body.field("name", nodeName);
                body.field("cluster_name", clusterName);
                body.field("cluster_uuid", uuid);
                body.startObject("version");
                body.field("number", build.qualifiedVersion());
                body.field("build_flavor", build.flavor());
                body.field("build_type", build.type().displayName());
                body.field("build_hash", build.hash());
                body.field("build_date", build.date());
                body.field("build_snapshot", build.isSnapshot());
                body.field("lucene_version", org.apache.lucene.util.Version.LATEST.toString());
                body.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
                body.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
                body.endObject();
                body.field("tagline", "You Know, for Search");
                body.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, body));
            };
        }
    }
}
