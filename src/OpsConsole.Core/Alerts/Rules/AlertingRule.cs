namespace OpsConsole.Core.Alerts.Rules;

/// <summary>Whether a rule's last evaluation worked (Prometheus's rule health).</summary>
public enum RuleHealth
{
    Unknown,
    Ok,
    Err,
}

/// <summary>
/// One alerting rule at run time: its active alerts and Prometheus 2.42's state machine (rules/alerting.go), fed with
/// the expression's samples at each evaluation. Alert labels = sample labels minus <c>__name__</c>, plus the rule's
/// templated labels, plus <c>alertname</c>. An alert is pending from its first true evaluation (activeAt) and fires
/// when evalTime − activeAt ≥ <c>for</c>; a pending alert whose condition stops holding disappears without a resolved
/// event; a firing one resolves, unless <c>keep_firing_for</c> is set: then it stays firing until that long has passed
/// since the first evaluation at which the condition no longer held (Prometheus's KeepFiringSince).
/// </summary>
public sealed class AlertingRule
{
    private readonly Dictionary<LabelSet, Active> _active = [];
    private readonly Lock _lock = new();
    private RuleEvaluationStatus _status = new(RuleHealth.Unknown, null, null, null);

    public AlertingRule(RuleGroupDefinition group, AlertingRuleDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(definition);
        Group = group;
        Definition = definition;
        Key = $"{group.File} / {group.Name} / {definition.Index}";
        Origin = $"{group.File} / {group.Name} / {definition.Name}";
        GeneratorUrl = "/rules#" + Anchor(group, definition);
    }

    public RuleGroupDefinition Group { get; }

    public AlertingRuleDefinition Definition { get; }

    /// <summary>The sink's key for this rule: "file / group / index".</summary>
    public string Key { get; }

    /// <summary>"file / group / rule", shown with each alert.</summary>
    public string Origin { get; }

    public string GeneratorUrl { get; }

    public RuleEvaluationStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>The rule's pending and firing alerts now.</summary>
    public IReadOnlyList<AlertInstance> ActiveAlerts
    {
        get
        {
            lock (_lock)
            {
                return [.. _active.Values.Select(ToInstance).OrderBy(a => a.Labels.ToString(), StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>The element id of a rule on the rules page (also the alerts' generator URL fragment).</summary>
    public static string Anchor(RuleGroupDefinition group, AlertingRuleDefinition rule)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(rule);
        return "rule-" + Uri.EscapeDataString($"{group.File}/{group.Name}/{rule.Index}").Replace("%", "_", StringComparison.Ordinal);
    }

    /// <summary>
    /// Applies one evaluation's samples at <paramref name="evaluatedAt"/> and returns what the sink must hear: every
    /// pending and firing alert plus those that resolved now. Throws <see cref="RuleEvaluationException"/> (state
    /// unchanged, as in Prometheus) when two samples give the same alert labels; over the group's limit, the rule's
    /// alerts are dropped (reported resolved) and the error is thrown after.
    /// </summary>
    public IReadOnlyList<AlertInstance> Apply(IReadOnlyList<RuleSample> samples, DateTimeOffset evaluatedAt, TimeSpan duration, IReadOnlyDictionary<string, string>? externalLabels = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var external = externalLabels ?? RuleTemplateData.NoLabels;
        var results = new Dictionary<LabelSet, (double Value, IReadOnlyDictionary<string, string> Annotations)>(samples.Count);
        foreach (var sample in samples)
        {
            var data = new RuleTemplateData(sample.Labels.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal), sample.Value, external, "");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in sample.Labels.Labels)
            {
                if (name != "__name__")
                {
                    labels[name] = value;
                }
            }

            foreach (var label in Definition.Labels)
            {
                labels[label.Name] = label.Template.Expand(data);
            }

            labels["alertname"] = Definition.Name;
            var annotations = Definition.Annotations.ToDictionary(a => a.Name, a => a.Template.Expand(data), StringComparer.Ordinal);
            var set = new LabelSet(labels);
            if (!results.TryAdd(set, (sample.Value, annotations)))
            {
                Fail(evaluatedAt, duration, "vector contains metrics with the same labelset after applying alert labels");
            }
        }

        lock (_lock)
        {
            var report = new List<AlertInstance>();
            var firedBefore = _active.Values.Where(a => a.State == AlertState.Firing).Select(a => a.Labels).ToHashSet();
            foreach (var (labels, (value, annotations)) in results)
            {
                if (_active.TryGetValue(labels, out var existing))
                {
                    existing.Value = value;
                    existing.Annotations = annotations;
                }
                else
                {
                    _active[labels] = new Active(labels, evaluatedAt) { Value = value, Annotations = annotations };
                }
            }

            var activeCount = 0;
            foreach (var alert in _active.Values.ToList())
            {
                if (!results.ContainsKey(alert.Labels))
                {
                    var keepFiring = false;
                    if (alert.State == AlertState.Firing && Definition.KeepFiringFor > TimeSpan.Zero)
                    {
                        alert.KeepFiringSince ??= evaluatedAt;
                        keepFiring = evaluatedAt - alert.KeepFiringSince.Value < Definition.KeepFiringFor;
                    }

                    if (alert.State == AlertState.Pending)
                    {
                        _active.Remove(alert.Labels); // never fired: gone without a resolved event
                        continue;
                    }

                    if (!keepFiring)
                    {
                        _active.Remove(alert.Labels);
                        alert.State = AlertState.Resolved;
                        alert.ResolvedAt = evaluatedAt;
                        report.Add(ToInstance(alert));
                        continue;
                    }
                }
                else
                {
                    alert.KeepFiringSince = null;
                }

                activeCount++;
                if (alert.State == AlertState.Pending && evaluatedAt - alert.ActiveAt >= Definition.For)
                {
                    alert.State = AlertState.Firing;
                    alert.FiredAt = evaluatedAt;
                }
            }

            if (Group.Limit > 0 && activeCount > Group.Limit)
            {
                // Prometheus forgets the rule's alerts; telling the sink they resolved keeps the console's view the same.
                report.AddRange(_active.Values.Where(a => firedBefore.Contains(a.Labels))
                    .Select(a => ToInstance(a) with { State = AlertState.Resolved, ResolvedAt = evaluatedAt }));
                _active.Clear();
                var message = $"exceeded limit of {Group.Limit} with {activeCount} alerts";
                _status = new RuleEvaluationStatus(RuleHealth.Err, message, evaluatedAt, duration);
                throw new RuleEvaluationException(message, report);
            }

            report.InsertRange(0, _active.Values.Select(ToInstance));
            _status = new RuleEvaluationStatus(RuleHealth.Ok, null, evaluatedAt, duration);
            return report;
        }
    }

    /// <summary>Records a failed evaluation (the engine's error); the alerts stay as they were, as in Prometheus.</summary>
    public void Failed(DateTimeOffset evaluatedAt, TimeSpan duration, string error)
    {
        lock (_lock)
        {
            _status = new RuleEvaluationStatus(RuleHealth.Err, error, evaluatedAt, duration);
        }
    }

    /// <summary>The rule is going away (a reload removed it): its active alerts, marked resolved at <paramref name="at"/>.</summary>
    public IReadOnlyList<AlertInstance> Retire(DateTimeOffset at)
    {
        lock (_lock)
        {
            var resolved = _active.Values.Where(a => a.State == AlertState.Firing)
                .Select(a => ToInstance(a) with { State = AlertState.Resolved, ResolvedAt = at }).ToList();
            _active.Clear();
            return resolved;
        }
    }

    /// <summary>
    /// Resumes the firing alerts a previous process left in the store (before this rule's first evaluation), keeping
    /// their activeAt and firedAt: one whose condition still holds stays firing, one that no longer holds resolves (or
    /// keeps firing for <c>keep_firing_for</c>). Pending alerts start their <c>for</c> again, which is Prometheus's
    /// outcome when the outage is longer than its 10-minute grace period. Returns how many were resumed.
    /// </summary>
    public int Restore(IReadOnlyList<AlertInstance> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_lock)
        {
            var restored = 0;
            // Only this rule's alerts: a key ("file / group / index") can point at another rule after the file changed.
            foreach (var alert in held.Where(a => a.State == AlertState.Firing && a.Name == Definition.Name))
            {
                if (_active.TryAdd(alert.Labels, new Active(alert.Labels, alert.ActiveAt)
                    {
                        State = AlertState.Firing,
                        FiredAt = alert.FiredAt ?? alert.ActiveAt,
                        Value = alert.Value ?? 0,
                        Annotations = alert.Annotations,
                    }))
                {
                    restored++;
                }
            }

            return restored;
        }
    }

    /// <summary>Takes over another rule's alerts and health (a reload that kept this rule), as Prometheus's copyState.</summary>
    public void CopyStateFrom(AlertingRule previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        lock (previous._lock)
        {
            lock (_lock)
            {
                foreach (var (labels, alert) in previous._active)
                {
                    _active[labels] = alert;
                }

                _status = previous._status;
            }
        }
    }

    private void Fail(DateTimeOffset at, TimeSpan duration, string message)
    {
        lock (_lock)
        {
            _status = new RuleEvaluationStatus(RuleHealth.Err, message, at, duration);
        }

        throw new RuleEvaluationException(message, []);
    }

    private AlertInstance ToInstance(Active alert) => new(
        AlertSource.Rule,
        alert.Labels,
        alert.Annotations,
        alert.State,
        alert.ActiveAt,
        alert.FiredAt,
        alert.ResolvedAt,
        alert.Value,
        GeneratorUrl,
        Origin);

    private sealed class Active(LabelSet labels, DateTimeOffset activeAt)
    {
        public LabelSet Labels { get; } = labels;

        public DateTimeOffset ActiveAt { get; } = activeAt;

        public AlertState State { get; set; } = AlertState.Pending;

        public DateTimeOffset? FiredAt { get; set; }

        public DateTimeOffset? ResolvedAt { get; set; }

        public DateTimeOffset? KeepFiringSince { get; set; }

        public double Value { get; set; }

        public IReadOnlyDictionary<string, string> Annotations { get; set; } = RuleTemplateData.NoLabels;
    }
}

/// <summary>A rule's last evaluation: health, error, when, and how long it took.</summary>
public sealed record RuleEvaluationStatus(RuleHealth Health, string? LastError, DateTimeOffset? LastEvaluation, TimeSpan? LastDuration);

/// <summary>An evaluation that failed after the query (duplicate alert labels, the group's limit), with what still must be reported.</summary>
public sealed class RuleEvaluationException(string message, IReadOnlyList<AlertInstance> report) : Exception(message)
{
    public IReadOnlyList<AlertInstance> Report { get; } = report;
}
