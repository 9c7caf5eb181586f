using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpsConsole.Core.Operations;

namespace OpsConsole.Web.Features.Operations;

/// <summary>A component a capability shows on the operation page for one of its kinds (say, the SQL an approver reviews).</summary>
public sealed record OperationDetailSection(string Kind, Type Component);

/// <summary>
/// The operation page's extension point: kind → component, registered by each capability's WebHosting through
/// <see cref="OperationDetailSectionRegistration.AddOperationDetailSection{TComponent}"/>. The page renders the kind's
/// component with the operation as its <see cref="OperationParameter"/> parameter and stays free of any capability's code.
/// </summary>
public sealed class OperationDetailSections
{
    /// <summary>The parameter (of type <see cref="OperationView"/>) every section component takes.</summary>
    public const string OperationParameter = "Operation";

    private readonly Dictionary<string, Type> _byKind = new(StringComparer.Ordinal);

    public OperationDetailSections(IEnumerable<OperationDetailSection> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        foreach (var section in sections)
        {
            if (_byKind.TryGetValue(section.Kind, out var other) && other != section.Component)
            {
                throw new InvalidOperationException(
                    $"The operation kind \"{section.Kind}\" has two detail sections, {other.Name} and {section.Component.Name}; a kind has one.");
            }

            _byKind[section.Kind] = section.Component;
        }
    }

    /// <summary>The component for <paramref name="kind"/>, or null: the page shows nothing more for it.</summary>
    public Type? For(string kind) => _byKind.GetValueOrDefault(kind);

    /// <summary>The parameters the page passes to a section.</summary>
    public static IDictionary<string, object> Parameters(OperationView operation) =>
        new Dictionary<string, object>(StringComparer.Ordinal) { [OperationParameter] = operation };
}

public static class OperationDetailSectionRegistration
{
    /// <summary>
    /// Shows <typeparamref name="TComponent"/> on the page of each operation of <paramref name="kinds"/>. It must take a
    /// <c>[Parameter] public OperationView Operation</c>; checked here so a wrong component fails at start, not on a page.
    /// </summary>
    public static IServiceCollection AddOperationDetailSection<TComponent>(this IServiceCollection services, params IEnumerable<string> kinds)
        where TComponent : IComponent
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(kinds);
        var parameter = typeof(TComponent).GetProperty(OperationDetailSections.OperationParameter, BindingFlags.Public | BindingFlags.Instance);
        if (parameter is null || parameter.PropertyType != typeof(OperationView) || parameter.GetCustomAttribute<ParameterAttribute>() is null)
        {
            throw new InvalidOperationException(
                $"{typeof(TComponent).Name} cannot be an operation detail section: it needs [Parameter] public OperationView {OperationDetailSections.OperationParameter} {{ get; set; }}.");
        }

        services.TryAddSingleton<OperationDetailSections>();
        foreach (var kind in kinds)
        {
            services.AddSingleton(new OperationDetailSection(kind, typeof(TComponent)));
        }

        return services;
    }
}
