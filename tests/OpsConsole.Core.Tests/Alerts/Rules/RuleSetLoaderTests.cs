using OpsConsole.Core.Alerts.Rules;

namespace OpsConsole.Core.Tests.Alerts.Rules;

public sealed class RuleSetLoaderTests : IDisposable
{
    private const string Rule = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n";

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-loader-");

    public void Dispose() => _root.Delete(recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_root.FullName, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private Task<RuleLoadResult> Load(params string[] patterns) =>
        new RuleSetLoader(_root.FullName).LoadAsync(patterns, TimeSpan.FromSeconds(15), new ScriptedEngine(), null, CancellationToken.None);

    [Fact]
    public async Task Globs_and_paths_resolve_from_the_content_root_once_each_in_order_and_outside_files_keep_their_full_path()
    {
        Write("rules/b.yml", Rule.Replace("name: g", "name: b", StringComparison.Ordinal));
        Write("rules/a.yml", Rule);
        Write("rules/deep/c.yml", Rule);
        var outside = Directory.CreateTempSubdirectory("opsconsole-outside-");
        try
        {
            var far = Path.Combine(outside.FullName, "far.yml");
            await File.WriteAllTextAsync(far, Rule);

            var result = await Load("rules/*.yml", "rules/a.yml", "rules/**/c.yml", far);

            Assert.True(result.Succeeded, result.ErrorText);
            Assert.Equal(["rules/a.yml", "rules/b.yml", "rules/deep/c.yml", far], result.Files);
            Assert.Equal(["rules/a.yml;g", "rules/b.yml;b", "rules/deep/c.yml;g", $"{far};g"], result.RuleSet!.Groups.Select(g => g.Key));
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_path_is_an_error_and_a_glob_matching_nothing_is_an_empty_set()
    {
        var missing = await Load("rules/none.yml");
        var empty = await Load("nowhere/*.yml");

        Assert.StartsWith("rules/none.yml: file not found (", Assert.Single(missing.Errors).ToString(), StringComparison.Ordinal);
        Assert.True(empty.Succeeded);
        Assert.Empty(empty.RuleSet!.Groups);
    }

    [Fact]
    public async Task With_the_console_engine_an_expression_error_names_its_position_once()
    {
        Write("c.yml", "groups:\n  - name: g\n    rules:\n      - alert: C\n        expr: up == 0 and predict_linear(x[1h], 60) < 0\n");
        var engine = new ConsoleRuleQueryEngine(new OpsConsole.Core.Metrics.Store.MetricStore(new OpsConsole.Core.Metrics.Store.MetricStoreOptions()));

        var result = await new RuleSetLoader(_root.FullName).LoadAsync(["c.yml"], TimeSpan.FromSeconds(15), engine, null, CancellationToken.None);

        Assert.Equal(
            "c.yml:5:27: group \"g\", rule \"C\": expr: function \"predict_linear\" is not in the console's PromQL subset (expression line 1, column 13)",
            Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task One_bad_file_fails_the_whole_load_with_every_error()
    {
        Write("a.yml", Rule);
        Write("b.yml", "groups:\n  - name: g\n    rules:\n      - alert: B\n        expr: bad\n");

        var result = await Load("*.yml");

        Assert.Null(result.RuleSet);
        Assert.Equal(["a.yml", "b.yml"], result.Files);
        Assert.Equal("b.yml:5:15: group \"g\", rule \"B\": expr: unexpected identifier \"bad\" (expression line 1, column 1)", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task The_periodic_check_hashes_as_the_load_does_so_unchanged_files_never_reload()
    {
        Write("a.yml", Rule);
        var loader = new RuleSetLoader(_root.FullName);
        string[] patterns = ["a.yml", "missing.yml"];

        var loaded = await loader.LoadAsync(patterns, TimeSpan.FromSeconds(15), new ScriptedEngine(), null, CancellationToken.None);

        Assert.Equal(loaded.Hash, await loader.HashAsync(patterns, CancellationToken.None));
        Write("a.yml", Rule + "\n");
        Assert.NotEqual(loaded.Hash, await loader.HashAsync(patterns, CancellationToken.None));
    }

    [Fact]
    public async Task Without_an_engine_rules_cannot_load_and_the_reason_is_given()
    {
        Write("a.yml", Rule);

        var result = await new RuleSetLoader(_root.FullName).LoadAsync(["a.yml"], TimeSpan.FromSeconds(15), null, "no PromQL engine here", CancellationToken.None);

        Assert.Equal("a.yml: no engine can evaluate the rules: no PromQL engine here", Assert.Single(result.Errors).ToString());
    }
}
