namespace OpsConsole.Core.Alerts;

/// <summary>
/// The current alerts counted one way for every place that shows a count (the app bar, the Alerts page's header).
/// <see cref="Firing"/> counts only what notifies; firing alerts that a silence or an inhibiting alert mutes are counted
/// beside it, so two places never show different "firing" numbers without saying why ("1 firing, 1 silenced").
/// </summary>
/// <param name="Firing">Firing and notifying (neither silenced nor inhibited).</param>
/// <param name="Silenced">Firing but silenced.</param>
/// <param name="Inhibited">Firing, not silenced, but inhibited by another alert.</param>
/// <param name="Pending">Pending (waiting out their rule's <c>for</c>), muted or not.</param>
/// <param name="Acknowledged">Not resolved and acknowledged by someone.</param>
public sealed record AlertCounts(int Firing, int Silenced, int Inhibited, int Pending, int Acknowledged)
{
    public static AlertCounts Empty { get; } = new(0, 0, 0, 0, 0);

    public static AlertCounts Of(IEnumerable<AlertView> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        int firing = 0, silenced = 0, inhibited = 0, pending = 0, acknowledged = 0;
        foreach (var alert in alerts)
        {
            switch (alert.State)
            {
                case AlertState.Firing when alert.IsSilenced:
                    silenced++;
                    break;
                case AlertState.Firing when alert.IsInhibited:
                    inhibited++;
                    break;
                case AlertState.Firing:
                    firing++;
                    break;
                case AlertState.Pending:
                    pending++;
                    break;
            }

            if (alert.State != AlertState.Resolved && alert.Ack is not null)
            {
                acknowledged++;
            }
        }

        return new AlertCounts(firing, silenced, inhibited, pending, acknowledged);
    }

    /// <summary>The firing alerts that do not notify.</summary>
    public int Muted => Silenced + Inhibited;

    /// <summary>"2 firing", "1 firing, 1 silenced", "0 firing, 1 silenced, 2 inhibited".</summary>
    public string FiringText => $"{Firing} firing{MutedText}";

    /// <summary>", 1 silenced", ", 1 silenced, 2 inhibited", or empty when every firing alert notifies.</summary>
    public string MutedText =>
        (Silenced > 0 ? $", {Silenced} silenced" : "") + (Inhibited > 0 ? $", {Inhibited} inhibited" : "");

    /// <summary>The Alerts page's header: "1 firing, 1 silenced · 2 pending · 1 acknowledged".</summary>
    public string Summary => $"{FiringText} · {Pending} pending · {Acknowledged} acknowledged";
}
