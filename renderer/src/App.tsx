export function App() {
  return <main>Wessex Care Record</main>;
}
