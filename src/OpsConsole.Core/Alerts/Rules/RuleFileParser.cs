using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsConsole.Core.Alerts.Rules;

/// <summary>
/// Reads one Prometheus rule file (<c>groups: - name, interval, limit, rules: - alert, expr, for, keep_firing_for, labels,
/// annotations</c>) with YamlDotNet's node model, so every error names the file, line and column, group and rule.
/// Checks what Prometheus's <c>rulefmt</c> checks (plus: recording rules are refused, the console evaluates alerts only),
/// and collects every error of the file instead of stopping at the first. Expressions are checked by the loader.
/// </summary>
public static class RuleFileParser
{
    private static readonly string[] RootKeys = ["groups"];
    private static readonly string[] GroupKeys = ["name", "interval", "limit", "rules"];
    private static readonly string[] RuleKeys = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"];

    /// <summary>A rule whose expression still needs the engine's check, with where the expression starts in the file.</summary>
    public sealed record ParsedExpression(string Group, AlertingRuleDefinition Rule, ExpressionPosition Position);

    /// <summary>Where an expression's text begins in the file, and how its own line/column map back to the file.</summary>
    /// <param name="Mappable">False for folded or multi-line plain scalars, whose text no longer has the file's line breaks.</param>
    public sealed record ExpressionPosition(int Line, int Column, int ContentLine, int ContentColumn, bool Mappable, bool Block)
    {
        /// <summary>The file position of (line, column) within the expression, or the expression's own start when not mappable.</summary>
        public (int Line, int Column) Map(int line, int column) =>
            !Mappable ? (Line, Column)
            : Block ? (ContentLine + line - 1, ContentColumn + column - 1)
            : line == 1 ? (ContentLine, ContentColumn + column - 1) : (Line, Column);
    }

    public sealed record Result(IReadOnlyList<RuleGroupDefinition> Groups, IReadOnlyList<ParsedExpression> Expressions, IReadOnlyList<RuleLoadError> Errors);

    public static Result Parse(string file, string content, TimeSpan defaultInterval)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(content);
        var errors = new List<RuleLoadError>();
        var groups = new List<RuleGroupDefinition>();
        var expressions = new List<ParsedExpression>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(content));
        }
        catch (YamlException ex)
        {
            var mark = ex.Start;
            errors.Add(new RuleLoadError(file, (int)mark.Line, (int)mark.Column, null, null, $"invalid YAML: {Describe(ex)}"));
            return new Result([], [], errors);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" or "~" or "null" })
        {
            return new Result([], [], []); // an empty file has no groups, as in Prometheus
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            errors.Add(Error(file, second, null, null, "a rule file holds one YAML document; found a second one"));
            return new Result([], [], errors);
        }

        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode rootMap)
        {
            errors.Add(Error(file, root, null, null, "a rule file must be a mapping with a 'groups' list"));
            return new Result([], [], errors);
        }

        CheckKeys(file, rootMap, RootKeys, "the rule file", null, null, errors);
        var groupsNode = Get(rootMap, "groups");
        if (IsNull(groupsNode))
        {
            return new Result([], [], errors);
        }

        if (groupsNode is not YamlSequenceNode groupList)
        {
            errors.Add(Error(file, groupsNode!, null, null, "'groups' must be a list of groups"));
            return new Result([], [], errors);
        }

        var lines = content.Split('\n');
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var groupNode in groupList)
        {
            if (groupNode is not YamlMappingNode group)
            {
                errors.Add(Error(file, groupNode, null, null, "each entry of 'groups' must be a mapping with name, interval and rules"));
                continue;
            }

            var name = Scalar(file, group, "name", null, null, errors);
            if (string.IsNullOrEmpty(name))
            {
                errors.Add(Error(file, Get(group, "name") ?? group, null, null, "group name must not be empty"));
                name = null;
            }
            else if (seen.TryGetValue(name, out var first))
            {
                errors.Add(Error(file, Get(group, "name")!, name, null, $"group name \"{name}\" is repeated in the same file (first at line {first.Start.Line})"));
            }
            else
            {
                seen[name] = Get(group, "name")!;
            }

            CheckKeys(file, group, GroupKeys, "a group", name, null, errors);
            var interval = defaultInterval;
            if (Scalar(file, group, "interval", name, null, errors) is { } intervalText)
            {
                if (!PromDuration.TryParse(intervalText, out var parsed, out var why))
                {
                    errors.Add(Error(file, Get(group, "interval")!, name, null, $"interval: {why}"));
                }
                else if (parsed > TimeSpan.Zero)
                {
                    interval = parsed; // 0 means the default, as in Prometheus
                }
            }

            var limit = 0;
            if (Scalar(file, group, "limit", name, null, errors) is { } limitText
                && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit)))
            {
                errors.Add(Error(file, Get(group, "limit")!, name, null, $"limit must be a whole number ≥ 0 (got \"{limitText}\")"));
            }

            var rules = new List<AlertingRuleDefinition>();
            var rulesNode = Get(group, "rules");
            if (!IsNull(rulesNode) && rulesNode is not YamlSequenceNode)
            {
                errors.Add(Error(file, rulesNode!, name, null, "'rules' must be a list of rules"));
            }
            else if (rulesNode is YamlSequenceNode ruleList)
            {
                foreach (var ruleNode in ruleList)
                {
                    if (ParseRule(file, lines, name, ruleNode, rules.Count, errors) is { } parsed)
                    {
                        rules.Add(parsed.Rule);
                        expressions.Add(new ParsedExpression(name ?? "", parsed.Rule, parsed.Position));
                    }
                }
            }

            if (name is not null)
            {
                groups.Add(new RuleGroupDefinition(file, name, interval, limit, rules));
            }
        }

        return new Result(groups, expressions, errors);
    }

    private static (AlertingRuleDefinition Rule, ExpressionPosition Position)? ParseRule(string file, string[] lines, string? group, YamlNode node, int index, List<RuleLoadError> errors)
    {
        if (node is not YamlMappingNode rule)
        {
            errors.Add(Error(file, node, group, null, "each rule must be a mapping with alert and expr"));
            return null;
        }

        var before = errors.Count;
        var alert = Scalar(file, rule, "alert", group, null, errors);
        var record = Scalar(file, rule, "record", group, alert, errors);
        var name = alert ?? record ?? $"#{index + 1}";
        CheckKeys(file, rule, RuleKeys, "a rule", group, name, errors);
        if (record is not null)
        {
            errors.Add(Error(file, Get(rule, "record")!, group, name, alert is not null
                ? "only one of 'record' and 'alert' must be set"
                : "recording rules ('record:') are not supported: the console evaluates alerting rules only; record it in Prometheus, or write the expression into the alert"));
        }
        else if (string.IsNullOrEmpty(alert))
        {
            errors.Add(Error(file, Get(rule, "alert") ?? rule, group, alert is null ? null : name, "'alert' must be set to the alert's name"));
        }

        var exprNode = Get(rule, "expr");
        var expr = Scalar(file, rule, "expr", group, name, errors);
        if (string.IsNullOrWhiteSpace(expr))
        {
            errors.Add(Error(file, exprNode ?? rule, group, name, "field 'expr' must be set in rule"));
        }

        var holdFor = Duration(file, rule, "for", group, name, errors);
        var keepFiringFor = Duration(file, rule, "keep_firing_for", group, name, errors);
        var labels = Templates(file, lines, rule, "labels", group, name, errors, checkNames: true);
        var annotations = Templates(file, lines, rule, "annotations", group, name, errors, checkNames: true);
        if (errors.Count > before || alert is null || expr is null)
        {
            return null;
        }

        var definition = new AlertingRuleDefinition(alert, expr, holdFor, keepFiringFor, labels, annotations, index, (int)rule.Start.Line);
        return (definition, Position((YamlScalarNode)exprNode!, lines));
    }

    private static TimeSpan Duration(string file, YamlMappingNode rule, string key, string? group, string ruleName, List<RuleLoadError> errors)
    {
        if (Scalar(file, rule, key, group, ruleName, errors) is not { } text)
        {
            return TimeSpan.Zero;
        }

        if (!PromDuration.TryParse(text, out var duration, out var why))
        {
            errors.Add(Error(file, Get(rule, key)!, group, ruleName, $"{key}: {why}"));
        }

        return duration;
    }

    private static List<RuleTemplateField> Templates(string file, string[] lines, YamlMappingNode rule, string key, string? group, string ruleName, List<RuleLoadError> errors, bool checkNames)
    {
        var fields = new List<RuleTemplateField>();
        var node = Get(rule, key);
        if (IsNull(node))
        {
            return fields;
        }

        if (node is not YamlMappingNode map)
        {
            errors.Add(Error(file, node!, group, ruleName, $"'{key}' must be a mapping of names to values"));
            return fields;
        }

        var kind = key == "labels" ? "label" : "annotation";
        foreach (var (keyNode, valueNode) in map.Children)
        {
            var name = keyNode is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : keyNode.ToString();
            if (checkNames && !IsValidLabelName(name))
            {
                errors.Add(Error(file, keyNode, group, ruleName, $"invalid {kind} name \"{name}\" (names match [a-zA-Z_][a-zA-Z0-9_]*)"));
                continue;
            }

            if (valueNode is not YamlScalarNode scalar)
            {
                errors.Add(Error(file, valueNode, group, ruleName, $"{kind} \"{name}\" must be a text value"));
                continue;
            }

            var text = IsNull(scalar) ? "" : scalar.Value ?? "";
            try
            {
                fields.Add(new RuleTemplateField(name, RuleTemplate.Parse(text)));
            }
            catch (RuleTemplateException ex)
            {
                var position = Position(scalar, lines).Map(ex.Line, ex.Column);
                errors.Add(new RuleLoadError(file, position.Line, position.Column, group, ruleName, $"{kind} \"{name}\": template: {ex.Message}"));
            }
        }

        return fields;
    }

    /// <summary>Prometheus's label name rule (before UTF-8 names): <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static ExpressionPosition Position(YamlScalarNode node, string[] lines)
    {
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        var text = node.Value ?? "";
        return node.Style switch
        {
            // Block scalars: the content starts on the next line at the block's indentation.
            ScalarStyle.Literal => new ExpressionPosition(line, column, FirstContentLine(node, lines), BlockIndent(node, lines) + 1, Mappable: true, Block: true),
            ScalarStyle.Folded => new ExpressionPosition(line, column, FirstContentLine(node, lines), BlockIndent(node, lines) + 1, Mappable: false, Block: true),
            ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted =>
                new ExpressionPosition(line, column, line, column + 1, Mappable: node.End.Line == node.Start.Line && !text.Contains('\\') && !text.Contains('\''), Block: false),
            _ => new ExpressionPosition(line, column, line, column, Mappable: node.End.Line == node.Start.Line, Block: false),
        };
    }

    private static int FirstContentLine(YamlScalarNode node, string[] lines)
    {
        for (var i = (int)node.Start.Line; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length > 0)
            {
                return i + 1;
            }
        }

        return (int)node.Start.Line + 1;
    }

    /// <summary>The indentation of a block scalar's first content line (YamlDotNet does not expose it), counted in the file.</summary>
    private static int BlockIndent(YamlScalarNode node, string[] lines)
    {
        for (var i = (int)node.Start.Line; i < lines.Length; i++) // Start.Line is 1-based: index i is the next line
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length > 0)
            {
                return line.Length - line.TrimStart(' ').Length;
            }
        }

        return 0;
    }

    private static void CheckKeys(string file, YamlMappingNode map, string[] known, string what, string? group, string? rule, List<RuleLoadError> errors)
    {
        foreach (var key in map.Children.Keys)
        {
            var name = (key as YamlScalarNode)?.Value ?? key.ToString();
            if (!known.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(Error(file, key, group, rule, $"field {name} not found in {what} (known fields: {string.Join(", ", known)})"));
            }
        }
    }

    private static YamlNode? Get(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static bool IsNull(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>A key's scalar value, null when absent or null; a list or mapping where text belongs is an error.</summary>
    private static string? Scalar(string file, YamlMappingNode map, string key, string? group, string? rule, List<RuleLoadError> errors)
    {
        var node = Get(map, key);
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode scalar)
        {
            return scalar.Value;
        }

        errors.Add(Error(file, node!, group, rule, $"'{key}' must be a single value, not a {(node is YamlSequenceNode ? "list" : "mapping")}"));
        return null;
    }

    private static RuleLoadError Error(string file, YamlNode node, string? group, string? rule, string message) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column, group, rule, message);

    private static string Describe(YamlException ex)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (…): "; the position is reported separately.
        var message = ex.InnerException is YamlException inner ? inner.Message : ex.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith("(Line:", StringComparison.Ordinal) ? message[(cut + 3)..] : message;
    }
}
