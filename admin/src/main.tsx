// The admin panel: one Preact app under /admin/ (docs/admin-api.md is all it talks to).
import { render } from 'preact';
import { App } from './app.js';
import { loadSession } from './lib/session.js';
import './styles/base.css';
import './styles/layout.css';
import './styles/forms.css';
import './styles/knowledge.css';

void loadSession();
render(<App />, document.getElementById('app')!);
