export function ConfigurationProblem({ problems }: { problems: { key: string; message: string }[] }) {
  return (
    <main className="wx-page" id="main" data-testid="configuration-problem">
      <div className="nhsuk-error-summary" role="alert" aria-labelledby="config-title">
        <h1 className="nhsuk-error-summary__title" id="config-title">
          The viewer is not configured correctly
        </h1>
        <div className="nhsuk-error-summary__body">
          <p>
            The machine policy set by your IT team has problems, so the viewer has not connected to any record
            server. Contact your IT service desk and give them this list:
          </p>
          <ul className="nhsuk-list nhsuk-error-summary__list">
            {problems.map((p) => (
              <li key={p.key}>
                <code>{p.key}</code>: {p.message}
              </li>
            ))}
          </ul>
        </div>
      </div>
    </main>
  );
}
