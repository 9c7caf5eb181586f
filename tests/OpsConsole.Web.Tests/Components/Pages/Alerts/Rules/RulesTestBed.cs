using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Core.Alerts;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Live;

namespace OpsConsole.Web.Tests.Components.Pages.Alerts.Rules;

/// <summary>
/// The real rule manager and rule tester over rule files in a temporary content root; tests drive loads and group
/// evaluations themselves (the manager is not started, so no loop runs by the clock).
/// </summary>
public sealed class RulesTestBed : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 2, 0, TimeSpan.Zero);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("opsconsole-rules-page-");

    public RulesTestBed(IRuleQueryEngine engine)
    {
        var options = Options.Create(new AlertRulesOptions { RuleFiles = ["rules/*.rules.yml"] });
        var engines = new RuleEngineSelection(engine);
        Manager = new AlertRuleManager(options, engines, [], Bus, new ConsoleAlertBoard(Bus, Time), Time,
            new HostingEnvironment { ContentRootPath = _root.FullName }, NullLogger<AlertRuleManager>.Instance);
        Tester = new RuleTester(engines, Time);
    }

    public FakeTimeProvider Time { get; } = new(Start);

    public LiveEventBus Bus { get; } = new();

    public AlertRuleManager Manager { get; }

    public RuleTester Tester { get; }

    public int Subscribers(string topic) => Bus.Statistics.Topics.TryGetValue(topic, out var t) ? t.Subscribers : 0;

    public void Register(IServiceCollection services)
    {
        services.AddSingleton<ILiveEvents>(Bus);
        services.AddSingleton(Manager);
        services.AddSingleton(Tester);
        services.AddSingleton<TimeProvider>(Time);
    }

    public void Write(string name, string content)
    {
        var path = Path.Combine(_root.FullName, "rules", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public async Task<RuleLoadResult> ReloadAsync() => await Manager.ReloadAsync("test", CancellationToken.None);

    /// <summary>Evaluates every loaded group now (as their loops would at this instant).</summary>
    public async Task EvaluateAsync()
    {
        foreach (var group in Manager.Status.Groups)
        {
            await Manager.EvaluateGroupAsync($"{group.File};{group.Name}", Time.GetUtcNow(), CancellationToken.None);
        }
    }

    public void Dispose()
    {
        Manager.Dispose();
        _root.Refresh();
        if (_root.Exists)
        {
            _root.Delete(recursive: true);
        }
    }
}

/// <summary>
/// A stand-in for the console's PromQL engine until it is merged: expressions are names of scripted vectors, and
/// <c>bad</c> anywhere in one is a parse error at its position; <c>fails</c> fails at evaluation.
/// </summary>
public sealed class ScriptedRuleEngine : IRuleQueryEngine
{
    private readonly Dictionary<string, IReadOnlyList<RuleSample>> _vectors = new(StringComparer.Ordinal);

    public string Description => "scripted";

    public ScriptedRuleEngine Set(string expression, params RuleSample[] samples)
    {
        _vectors[expression] = samples;
        return this;
    }

    public void Validate(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var bad = expression.IndexOf("bad", StringComparison.Ordinal);
        if (bad >= 0)
        {
            var line = expression[..bad].Count(c => c == '\n') + 1;
            var column = bad - (expression.LastIndexOf('\n', Math.Max(0, bad - 1)) + 1) + 1;
            throw new RuleExpressionException($"unexpected identifier \"bad\" (line {line}, column {column})", line, column);
        }
    }

    public Task<IReadOnlyList<RuleSample>> EvaluateAsync(string expression, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Validate(expression);
        return expression.Contains("fails", StringComparison.Ordinal)
            ? throw new RuleExpressionException("many-to-many matching not allowed: matching labels must be unique on one side (line 1, column 7)", 1, 7)
            : Task.FromResult(_vectors.TryGetValue(expression, out var samples) ? samples : (IReadOnlyList<RuleSample>)[]);
    }
}
