using Microsoft.Extensions.Options;
using OpsConsole.Core.Metrics.RemotePrometheus;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary><c>Alerts:*</c> for rule files: which files, how often, and who evaluates the expressions.</summary>
public sealed class AlertRulesOptions
{
    public const string Section = "Alerts";
    public const string ConsoleEngine = "Console";
    public const string PrometheusEngine = "Prometheus";

    /// <summary>Rule files: paths or globs (<c>rules/*.yml</c>, <c>/etc/opsconsole/**/*.rules.yml</c>), relative to the content root.</summary>
    public List<string> RuleFiles { get; set; } = [];

    /// <summary>How often a group is evaluated when it sets no <c>interval</c> (Prometheus's global evaluation_interval).</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary><c>Console</c>: the console's PromQL subset over its own metric store; <c>Prometheus</c>: Metrics:Prometheus:Url evaluates (full PromQL).</summary>
    public string Engine { get; set; } = ConsoleEngine;

    /// <summary>How often the files' contents are hashed to catch changes the file watcher missed (editors that replace files, network mounts).</summary>
    public TimeSpan RuleFileCheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Added to every alert's template data as <c>$externalLabels</c> (Prometheus's global external_labels); empty by default.</summary>
    public Dictionary<string, string> ExternalLabels { get; set; } = [];

    public bool UsesPrometheus => string.Equals(Engine, PrometheusEngine, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <c>Alerts:*</c> at start, naming the key (and Metrics:Prometheus:Url when the Prometheus engine needs it).</summary>
public sealed class AlertRulesOptionsValidator(IOptions<PrometheusOptions> prometheus) : IValidateOptions<AlertRulesOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertRulesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = AlertRulesOptions.Section;
        if (!string.Equals(options.Engine, AlertRulesOptions.ConsoleEngine, StringComparison.OrdinalIgnoreCase) && !options.UsesPrometheus)
        {
            failures.Add($"{section}:Engine must be {AlertRulesOptions.ConsoleEngine} or {AlertRulesOptions.PrometheusEngine} (got \"{options.Engine}\").");
        }

        if (options.UsesPrometheus && !prometheus.Value.Enabled)
        {
            failures.Add($"{section}:Engine is {AlertRulesOptions.PrometheusEngine}, which needs {PrometheusOptions.Section}:Url (the Prometheus server that evaluates the rules); set it, or set {section}:Engine to {AlertRulesOptions.ConsoleEngine}.");
        }

        if (options.EvaluationInterval <= TimeSpan.Zero)
        {
            failures.Add($"{section}:EvaluationInterval must be positive (got {options.EvaluationInterval}).");
        }

        if (options.RuleFileCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"{section}:RuleFileCheckInterval must be positive (got {options.RuleFileCheckInterval}).");
        }

        for (var i = 0; i < options.RuleFiles.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.RuleFiles[i]))
            {
                failures.Add($"{section}:RuleFiles:{i} is empty; give a path or a glob such as rules/*.yml.");
            }
        }

        foreach (var label in options.ExternalLabels.Keys.Where(k => !RuleFileParser.IsValidLabelName(k)))
        {
            failures.Add($"{section}:ExternalLabels:{label} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
