using System.Net;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Tests.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Tests.Alerts.Rules;

/// <summary>The Prometheus engine on canned answers of Prometheus's documented /api/v1/query; the integration test runs a real one.</summary>
public sealed class PrometheusRuleQueryEngineTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_795_399_980);

    [Fact]
    public async Task A_vector_answer_becomes_samples_with_all_their_labels_and_the_time_is_sent_in_seconds()
    {
        var stub = new StubPrometheus(HttpStatusCode.OK, """
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"__name__":"up","job":"shop","instance":"a:1"},"value":[1795399980,"0"]},
              {"metric":{"job":"db"},"value":[1795399980,"NaN"]}]}}
            """);
        var engine = new PrometheusRuleQueryEngine(stub.Backend());

        var samples = await engine.EvaluateAsync("up == 0 or absent(x)", At, CancellationToken.None);

        Assert.Equal("Prometheus at http://prometheus.test:9090", engine.Description);
        Assert.Equal(2, samples.Count);
        Assert.Equal((LabelSet.Of(("__name__", "up"), ("instance", "a:1"), ("job", "shop")), 0.0), (samples[0].Labels, samples[0].Value));
        Assert.True(double.IsNaN(samples[1].Value));
        var request = Assert.Single(stub.Requests);
        Assert.Equal("http://prometheus.test:9090/api/v1/query", request.Uri.GetLeftPart(UriPartial.Path));
        Assert.Equal(("up == 0 or absent(x)", "1795399980"), (request.Parameters["query"], request.Parameters["time"]));
    }

    [Fact]
    public async Task A_scalar_is_one_sample_without_labels_and_a_matrix_is_refused()
    {
        var scalar = new StubPrometheus(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"scalar","result":[1795399980,"2.5"]}}""");
        var matrix = new StubPrometheus(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"matrix","result":[]}}""");

        var sample = Assert.Single(await new PrometheusRuleQueryEngine(scalar.Backend()).EvaluateAsync("2.5", At, CancellationToken.None));
        var error = await Assert.ThrowsAsync<OpsConsole.Core.Metrics.Query.MetricQueryException>(
            () => new PrometheusRuleQueryEngine(matrix.Backend()).EvaluateAsync("up[5m]", At, CancellationToken.None));

        Assert.Equal((LabelSet.Empty, 2.5), (sample.Labels, sample.Value));
        Assert.Contains("gives a range vector; an alert expression must give an instant vector or a scalar", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_parse_errors_become_expression_errors_with_the_position_at_load_and_at_evaluation()
    {
        var stub = new StubPrometheus(HttpStatusCode.BadRequest,
            """{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:9: parse error: unexpected right parenthesis ')'"}""");
        var engine = new PrometheusRuleQueryEngine(stub.Backend());

        var atLoad = await Assert.ThrowsAsync<RuleExpressionException>(() => engine.ValidateAsync("sum(up))", CancellationToken.None));
        var atEvaluation = await Assert.ThrowsAsync<RuleExpressionException>(() => engine.EvaluateAsync("sum(up))", At, CancellationToken.None));

        Assert.Equal(("Prometheus: parse error: unexpected right parenthesis ')'", 1, 9), (atLoad.Message, atLoad.Line, atLoad.Column));
        Assert.Equal((1, 9), (atEvaluation.Line, atEvaluation.Column));
        Assert.Equal("0", stub.Requests[0].Parameters["time"]); // the load's check asks at time 0
    }

    [Fact]
    public async Task An_unreachable_Prometheus_at_load_lets_the_rule_load_and_fails_its_evaluation_in_words()
    {
        var stub = new StubPrometheus((_, _) => throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        var engine = new PrometheusRuleQueryEngine(stub.Backend());

        Assert.False(await engine.ValidateAsync("up == 0", CancellationToken.None)); // could not check: the rule loads
        var error = await Assert.ThrowsAsync<OpsConsole.Core.Metrics.Query.MetricQueryException>(() => engine.EvaluateAsync("up == 0", At, CancellationToken.None));

        Assert.StartsWith("Prometheus at http://prometheus.test:9090 cannot be reached: connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_load_asks_an_unreachable_Prometheus_once_not_once_per_rule()
    {
        var stub = new StubPrometheus((_, _) => throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        var directory = Directory.CreateTempSubdirectory("opsconsole-rules-");
        try
        {
            var rules = string.Concat(Enumerable.Range(0, 5).Select(i => $"      - alert: A{i}\n        expr: up == {i}\n"));
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "a.yml"), "groups:\n  - name: g\n    rules:\n" + rules);

            var result = await new RuleSetLoader(directory.FullName)
                .LoadAsync(["a.yml"], TimeSpan.FromSeconds(15), new PrometheusRuleQueryEngine(stub.Backend()), null, CancellationToken.None);

            Assert.True(result.Succeeded, result.ErrorText);
            Assert.Equal(5, result.RuleSet!.RuleCount);
            Assert.Equal(3, stub.Requests.Count); // the first rule's query and its two retries, then no more
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
