import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './styles/app.css';
import { createRoot } from 'react-dom/client';
import { prepareUkFormats } from '../../common/london-date';
import { App } from './App';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
// UK-time formatters load time-zone data (milliseconds each): made while idle, not during an open.
requestIdleCallback(prepareUkFormats);
